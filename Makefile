# SPDX-License-Identifier: GPL-2.0
#
# User-facing entry points.  The kernel modules are described by Kbuild (and
# vmbus/Kbuild); this file only drives them and the host tools.
#
#   make                      modules for KVER + host tools (vmbusd, vmbusctl)
#   make KVER=6.1|6.12|<rel>  modules for that kernel's installed headers
#   make KVER=debug           ... or for the debug kernel's tree (scripts/build-debug-kernel)
#   make KDIR=<dir>           ... or for any kernel build tree
#   make test                 install dependencies, run every test
#   make check                unit tests of the host and protocol code
#   make style                checkpatch --strict and sparse on kernel code
#   make bench-channel        channel micro-benchmark in a guest (docs/performance.md);
#                             options via BENCH_ARGS="--kernel 6.12 --runs 3"
#   make bench-storage        fio on our disk against virtio-blk and virtio-scsi
#                             (docs/performance.md); BENCH_ARGS="--kernel 6.1 --quick"
#   make bench-net            iperf3 and ping on our NIC against virtio-net
#                             (docs/performance.md); BENCH_ARGS="--rounds 5"
#   make install              modules_install for KVER
#   make dkms-install         register and build with DKMS
#   make clean

VERSION := 0.1.0

KVER ?= $(shell uname -r)
ifneq ($(filter 6.1 6.12 debug,$(KVER)),)
override KVER := $(shell $(CURDIR)/scripts/deps --print-kver $(KVER))
endif
# a kernel the project built keeps its build tree in .cache/kernels/
KDIR ?= $(firstword $(wildcard $(CURDIR)/.cache/kernels/$(KVER)/lib/modules/$(KVER)/build) /lib/modules/$(KVER)/build)

KBUILD_ARGS = -C $(KDIR) M=$(CURDIR) W=1 $(if $(VMB_TESTS),VMB_TESTS=1)

.PHONY: all module host test check style install dkms-install clean check-kdir bench-channel \
	bench-storage bench-net print-dkms-files

# What the DKMS package ships (tests/host/dkms.sh builds exactly these).
DKMS_FILES := Kbuild Makefile dkms.conf vmbus storvsc netvsc util include compat

print-dkms-files:
	@echo $(DKMS_FILES)

all: module host

check-kdir:
	@if [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "error: no kernel build tree at $(KDIR) (headers for $(KVER) are not installed)." >&2; \
		echo "Installed header trees:" >&2; \
		for d in /lib/modules/*/build; do \
			[ -f "$$d/Makefile" ] && echo "  make KVER=$$(basename $$(dirname $$d))" >&2; \
		done; \
		echo "Or run scripts/deps to install the supported kernels' headers, then make KVER=6.1 or KVER=6.12." >&2; \
		exit 1; \
	fi

module: check-kdir
	$(MAKE) $(KBUILD_ARGS) modules

host:
	$(MAKE) -C host

test:
	scripts/deps
	tests/run

check:
	$(MAKE) -C host check

style:
	scripts/style

bench-channel:
	scripts/bench-channel $(BENCH_ARGS)

bench-storage:
	scripts/bench-storage $(BENCH_ARGS)

bench-net:
	scripts/bench-net $(BENCH_ARGS)

install: check-kdir
	$(MAKE) $(KBUILD_ARGS) modules_install
	depmod -a $(KVER)

dkms-install:
	dkms remove vmbus/$(VERSION) --all >/dev/null 2>&1 || true
	rm -rf /usr/src/vmbus-$(VERSION)
	mkdir -p /usr/src/vmbus-$(VERSION)
	cp -a $(DKMS_FILES) /usr/src/vmbus-$(VERSION)/
	dkms add vmbus/$(VERSION)
	dkms build vmbus/$(VERSION) -k $(KVER)
	dkms install vmbus/$(VERSION) -k $(KVER)

# Not Kbuild's clean: with M= at the top it would sweep .cache/ too.
KBUILD_DIRS = $(wildcard vmbus storvsc netvsc tests/kmod)
clean:
	find $(KBUILD_DIRS) \( -name '*.o' -o -name '*.ko' -o -name '*.mod' \
		-o -name '*.mod.c' -o -name '.*.cmd' -o -name 'modules.order' \) -delete
	rm -f Module.symvers modules.order .modules.order.cmd .Module.symvers.cmd
	[ ! -d host ] || $(MAKE) -C host clean
