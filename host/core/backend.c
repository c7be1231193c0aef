// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"

#define VMBD_OPT_MAX	256	/* bytes of one KEY=VALUE */

struct vmbd_conf *vmbd_conf_new(const struct vmbd_backend *be)
{
	struct vmbd_conf *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->refs = 1;
	c->be = be;
	return c;
}

int vmbd_conf_add(struct vmbd_conf *c, const char *opt, const char **err)
{
	char buf[VMBD_OPT_MAX], *eq;

	if (!c->be || !c->be->parse_opt) {
		*err = "this class takes no options";
		return -1;
	}
	if (strlen(opt) >= sizeof(buf)) {
		*err = "option too long";
		return -1;
	}
	strcpy(buf, opt);
	eq = strchr(buf, '=');
	if (eq)
		*eq++ = '\0';
	if (!buf[0]) {
		*err = "empty option name";
		return -1;
	}
	return c->be->parse_opt(&c->conf, buf, eq, err);
}

int vmbd_conf_add_cmdline(struct vmbd_conf *c, const struct vmbd_class_opt *o,
			  const char *arg, const char **err)
{
	return o->parse(&c->conf, arg, err);
}

int vmbd_conf_done(struct vmbd_conf *c, const char **err)
{
	if (!c->conf || !c->be->conf_done)
		return 0;
	return c->be->conf_done(c->conf, err);
}

int vmbd_conf_parse(const struct vmbd_backend *be, char *const *opts,
		    unsigned int n, struct vmbd_conf **out, const char **err)
{
	struct vmbd_conf *c;
	unsigned int i;

	*out = NULL;
	if (!n && !(be && be->conf_always))
		return 0;
	if (!be || !be->parse_opt) {
		*err = "this class takes no options";
		return -1;
	}
	c = vmbd_conf_new(be);
	if (!c) {
		*err = "out of memory";
		return -1;
	}
	for (i = 0; i < n; i++)
		if (vmbd_conf_add(c, opts[i], err) < 0)
			goto fail;
	if (vmbd_conf_done(c, err) < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	vmbd_conf_put(c);
	return -1;
}

struct vmbd_conf *vmbd_conf_get(struct vmbd_conf *c)
{
	if (c)
		c->refs++;
	return c;
}

void vmbd_conf_put(struct vmbd_conf *c)
{
	if (!c || --c->refs)
		return;
	if (c->conf && c->be->free_conf)
		c->be->free_conf(c->conf);
	free(c);
}
