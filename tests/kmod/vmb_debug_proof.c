// SPDX-License-Identifier: GPL-2.0
/*
 * A test-only module that commits one kernel bug on purpose, chosen at load,
 * so that tests/host/debug-lane.sh can prove the debug kernel's detectors
 * turn each kind into a failed run:
 *
 *   bug=uaf      writes to a slab object after kfree()       (KASAN)
 *   bug=leak     drops the only pointer to an allocation      (kmemleak)
 *   bug=lockdep  takes two mutexes in one order, then the other (lockdep)
 *
 * Any other value, or none, does nothing.  It binds to no device and is
 * never loaded by anything but that test.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

static char *bug = "";
module_param(bug, charp, 0444);
MODULE_PARM_DESC(bug, "the bug to commit at load: uaf, leak or lockdep");

static DEFINE_MUTEX(vmb_proof_a);
static DEFINE_MUTEX(vmb_proof_b);

static noinline void vmb_proof_uaf(void)
{
	u8 *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return;
	kfree(p);
	/* hide the pointer from the compiler, which would refuse the use */
	OPTIMIZER_HIDE_VAR(p);
	WRITE_ONCE(p[8], 0x5a);
}

static noinline void vmb_proof_leak(void)
{
	void *p = kmalloc(128, GFP_KERNEL);

	/* the only reference is gone when this returns */
	OPTIMIZER_HIDE_VAR(p);
	pr_info("leaking %p\n", p);
}

static noinline void vmb_proof_lockdep(void)
{
	mutex_lock(&vmb_proof_a);
	mutex_lock(&vmb_proof_b);
	mutex_unlock(&vmb_proof_b);
	mutex_unlock(&vmb_proof_a);

	mutex_lock(&vmb_proof_b);
	mutex_lock(&vmb_proof_a);
	mutex_unlock(&vmb_proof_a);
	mutex_unlock(&vmb_proof_b);
}

static int __init vmb_proof_init(void)
{
	pr_info("bug=%s\n", bug);
	if (!strcmp(bug, "uaf"))
		vmb_proof_uaf();
	else if (!strcmp(bug, "leak"))
		vmb_proof_leak();
	else if (!strcmp(bug, "lockdep"))
		vmb_proof_lockdep();
	return 0;
}

static void __exit vmb_proof_exit(void)
{
}

module_init(vmb_proof_init);
module_exit(vmb_proof_exit);

MODULE_DESCRIPTION("vmb test-only module that proves the debug lane reports bugs");
MODULE_LICENSE("GPL");
