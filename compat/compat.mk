# SPDX-License-Identifier: GPL-2.0
#
# Kernel feature detection for the out-of-tree build: each test looks at what
# the target kernel's headers declare, never at its version number, and
# defines a VMB_COMPAT_* macro that compat/compat.h turns into one spelling.

vmb_compat_root := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
vmb_bus_h := $(srctree)/include/linux/device/bus.h
vmb_scsi_host_h := $(srctree)/include/scsi/scsi_host.h
vmb_ethtool_h := $(srctree)/include/linux/ethtool.h

ifneq ($(shell grep -s 'uevent..const struct device \*' $(vmb_bus_h)),)
vmb_compat_flags += -DVMB_COMPAT_UEVENT_CONST_DEV
endif
ifneq ($(shell grep -s 'match..struct device \*dev, const struct device_driver' $(vmb_bus_h)),)
vmb_compat_flags += -DVMB_COMPAT_MATCH_CONST_DRV
endif

ifneq ($(shell grep -s 'bus_register.const struct bus_type' $(vmb_bus_h)),)
vmb_compat_flags += -DVMB_COMPAT_CONST_BUS_TYPE
endif

ifneq ($(shell grep -s 'scsi_host_alloc.const struct scsi_host_template' $(vmb_scsi_host_h)),)
vmb_compat_flags += -DVMB_COMPAT_CONST_SHT
endif
ifneq ($(shell grep -s 'enum scsi_timeout_action' $(vmb_scsi_host_h)),)
vmb_compat_flags += -DVMB_COMPAT_SCSI_TIMEOUT_ACTION
endif
ifneq ($(shell grep -s 'unsigned queuecommand_may_block:1' $(vmb_scsi_host_h)),)
vmb_compat_flags += -DVMB_COMPAT_QUEUECOMMAND_MAY_BLOCK
endif

ifneq ($(shell grep -s 'struct ethtool_rxfh_param {' $(vmb_ethtool_h)),)
vmb_compat_flags += -DVMB_COMPAT_ETHTOOL_RXFH_PARAM
endif

ccflags-y += -I$(vmb_compat_root)/include $(vmb_compat_flags) \
	     -include $(vmb_compat_root)/compat/compat.h
