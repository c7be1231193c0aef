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

#endif /* VMB_COMPAT_H */
