/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels we build against lives here, so that
 * no driver file tests a kernel version.  compat/compat.mk detects features
 * in the target kernel's headers and defines the VMB_COMPAT_* macros.
 * Force-included into every file of the suite.
 */
#ifndef VMB_COMPAT_H
#define VMB_COMPAT_H

/* 6.3 made bus_type.uevent() take a const struct device. */
#ifdef VMB_COMPAT_UEVENT_CONST_DEV
#define vmb_compat_uevent_const const
#else
#define vmb_compat_uevent_const
#endif

/* 6.11 made bus_type.match() take a const struct device_driver. */
#ifdef VMB_COMPAT_MATCH_CONST_DRV
#define vmb_compat_match_const const
#else
#define vmb_compat_match_const
#endif

/* 6.4 let a struct bus_type be const: vmb_compat_bus_qual(const). */
#ifdef VMB_COMPAT_CONST_BUS_TYPE
#define vmb_compat_bus_qual(...) __VA_ARGS__
#else
#define vmb_compat_bus_qual(...)
#endif

/*
 * Newer kernels (6.12, not 6.1) take a const struct scsi_host_template:
 * vmb_compat_sht_qual(const).
 */
#ifdef VMB_COMPAT_CONST_SHT
#define vmb_compat_sht_qual(...) __VA_ARGS__
#else
#define vmb_compat_sht_qual(...)
#endif

/*
 * Newer kernels (6.12, not 6.1) gave eh_timed_out() its own return type,
 * enum scsi_timeout_action, with SCSI_EH_NOT_HANDLED for "let the error
 * handler run"; older ones return enum blk_eh_timer_return, where
 * BLK_EH_DONE means the same.
 */
#ifdef VMB_COMPAT_SCSI_TIMEOUT_ACTION
#define vmb_compat_eh_timeout_t		enum scsi_timeout_action
#define VMB_COMPAT_EH_NOT_HANDLED	SCSI_EH_NOT_HANDLED
#define VMB_COMPAT_EH_RESET_TIMER	SCSI_EH_RESET_TIMER
#else
#define vmb_compat_eh_timeout_t		enum blk_eh_timer_return
#define VMB_COMPAT_EH_NOT_HANDLED	BLK_EH_DONE
#define VMB_COMPAT_EH_RESET_TIMER	BLK_EH_RESET_TIMER
#endif

/*
 * Newer kernels (6.12, not 6.1) let a SCSI host's queuecommand() sleep
 * (BLK_MQ_F_BLOCKING).  vmb_compat_shost_may_block(shost) asks for that
 * before scsi_add_host() and says whether it was granted; where it is not,
 * queuecommand() runs in atomic context and must not sleep.
 */
#ifdef VMB_COMPAT_QUEUECOMMAND_MAY_BLOCK
#define vmb_compat_shost_may_block(shost) \
	({ (shost)->queuecommand_may_block = 1; true; })
#else
#define vmb_compat_shost_may_block(shost)	((void)(shost), false)
#endif

/*
 * 6.8 handed ethtool's get_rxfh() and set_rxfh() a struct
 * ethtool_rxfh_param (and set_rxfh() an extack); before, the indirection
 * table, key and hash function were arguments.  A driver writes the older
 * form,
 *   int get(struct net_device *, u32 *indir, u8 *key, u8 *hfunc);
 *   int set(struct net_device *, const u32 *indir, const u8 *key, u8 hfunc);
 * and VMB_COMPAT_DEFINE_RXFH(name, get, set) defines name_get_compat and
 * name_set_compat for .get_rxfh and .set_rxfh in the target's form.
 */
#ifdef VMB_COMPAT_ETHTOOL_RXFH_PARAM
#define VMB_COMPAT_DEFINE_RXFH(name, get, set)				\
static int name##_get_compat(struct net_device *dev,			\
			     struct ethtool_rxfh_param *p)		\
{									\
	return get(dev, p->indir, p->key, &p->hfunc);			\
}									\
static int name##_set_compat(struct net_device *dev,			\
			     struct ethtool_rxfh_param *p,		\
			     struct netlink_ext_ack *extack)		\
{									\
	if (p->input_xfrm && p->input_xfrm != RXH_XFRM_NO_CHANGE)	\
		return -EOPNOTSUPP;					\
	return set(dev, p->indir, p->key, p->hfunc);			\
}
#else
#define VMB_COMPAT_DEFINE_RXFH(name, get, set)				\
static int name##_get_compat(struct net_device *dev, u32 *indir,	\
			     u8 *key, u8 *hfunc)			\
{									\
	return get(dev, indir, key, hfunc);				\
}									\
static int name##_set_compat(struct net_device *dev, const u32 *indir,	\
			     const u8 *key, const u8 hfunc)		\
{									\
	return set(dev, indir, key, hfunc);				\
}
#endif

#endif /* VMB_COMPAT_H */
