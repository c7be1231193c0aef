#!/bin/bash
# The version is written literally in three places; they must agree
# (dkms.conf, the Makefile, the module's MODULE_VERSION and load banner).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

dkms=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$ROOT/dkms.conf")
make=$(sed -n 's/^VERSION := //p' "$ROOT/Makefile")
module=$(sed -n 's/^#define VMB_DRIVER_VERSION\t"\(.*\)"$/\1/p' "$ROOT/vmbus/vmbus_private.h")
echo "dkms.conf: $dkms, Makefile: $make, vmbus.ko: $module"
[ -n "$dkms" ] && [ "$dkms" = "$make" ] && [ "$make" = "$module" ]
