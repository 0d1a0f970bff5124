#!/usr/bin/env bash
# Copied from /work/shared/tools/make-big-hive.sh (shared project tools); only the testdata path was adapted to benches/tools/.
# make-big-hive.sh OUT: a 62 MB benchmark hive (96k keys, 3 values each) written by hivex
# (Debian package libhivex-bin), grown from testdata/hives/offreg-testhive. Deterministic.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v hivexsh >/dev/null || { echo "needs hivexsh: apt-get install -y libhivex-bin" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 "$here/genhive.py" "$tmp/gen.cmd"
cp "$here/../../testdata/hives/offreg-testhive" "$tmp/hive"
hivexsh -w "$tmp/hive" -f "$tmp/gen.cmd"
mv "$tmp/hive" "$1"
