// SPDX-License-Identifier: (GPL-2.0 OR MIT)
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"

#define VMBD_OPT_MAX	256	/* bytes of one KEY=VALUE */

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
	c = calloc(1, sizeof(*c));
	if (!c) {
		*err = "out of memory";
		return -1;
	}
	c->refs = 1;
	c->be = be;
	for (i = 0; i < n; i++) {
		char opt[VMBD_OPT_MAX], *eq;

		if (strlen(opts[i]) >= sizeof(opt)) {
			*err = "option too long";
			goto fail;
		}
		strcpy(opt, opts[i]);
		eq = strchr(opt, '=');
		if (eq)
			*eq++ = '\0';
		if (!opt[0]) {
			*err = "empty option name";
			goto fail;
		}
		if (be->parse_opt(&c->conf, opt, eq, err) < 0)
			goto fail;
	}
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
