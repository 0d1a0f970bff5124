#!/usr/bin/env bash
# Rebuild testdata/sample/boot.wim: a small two-image boot.wim for the inject-root demo and tests.
# Each image holds the real offreg-testhive (written by Windows' offreg.dll) as
# Windows/System32/config/SOFTWARE plus a few small files, like a (very) reduced WinPE image.
# Needs: wimlib-imagex (Debian package: wimtools).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
hive="$here/../hives/offreg-testhive"
out="${1:-$here/boot.wim}"
command -v wimlib-imagex >/dev/null || { echo "make-sample.sh: wimlib-imagex not found (install the Debian package wimtools)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for n in 1 2; do
  root="$work/image$n"
  mkdir -p "$root/Windows/System32/config" "$root/sources"
  cp "$hive" "$root/Windows/System32/config/SOFTWARE"
  printf 'inject-root sample image %s\r\n' "$n" > "$root/Windows/System32/readme.txt"
  printf '[LaunchApps]\r\n%%SYSTEMROOT%%\\System32\\cmd.exe\r\n' > "$root/Windows/System32/winpeshl.ini"
  printf 'sample setup payload %s\r\n' "$n" > "$root/sources/setup.txt"
done
rm -f "$out"
# Fixed timestamps are not possible with wimlib-imagex; the WIM differs byte-wise between runs but
# holds the same files.
wimlib-imagex capture "$work/image1" "$out" "Microsoft Windows PE (x64)" "sample WinPE image 1" --compress=LZX --boot >/dev/null
wimlib-imagex append  "$work/image2" "$out" "Microsoft Windows Setup (x64)" "sample WinPE image 2" >/dev/null
wimlib-imagex info "$out" >/dev/null
echo "wrote $out"
