#!/bin/bash
# Kernel code is checkpatch --strict clean, and builds sparse-clean and
# warning-free with W=1 against both supported kernels (scripts/style).
# The gate must be able to fail: a file with a known style error is caught.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

"$ROOT/scripts/style"

bad=$(mktemp --suffix=.c)
trap 'rm -f "$bad"' EXIT
printf '// SPDX-License-Identifier: GPL-2.0\nint f(int x){ return x; }\n' >"$bad"
if "$ROOT/.cache/checkpatch/checkpatch.pl" --strict --no-tree -q -f "$bad" >/dev/null; then
	echo "self-check failed: checkpatch accepted a bad file"
	exit 1
fi
