#!/usr/bin/env bash
# Release artifacts in target/release-artifacts/ (on Debian/Ubuntu):
#   inject-root-<version>-x86_64-pc-windows-gnu.zip  inject-root.exe (scripts/windows.sh build),
#                                                    README.md, LICENSE, inject-root.ps1
#                                                    (PowerShell completion)
#   inject-root-<version>-x86_64-unknown-linux-gnu.tar.gz  inject-root (release build), README.md,
#                                                    LICENSE, bash completion, man page
#   SHA256SUMS                                       sha256sum of both
# Installs what it needs (scripts/deps.sh build, scripts/windows.sh build; zip).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scripts/deps.sh build
command -v zip >/dev/null || {
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends zip >/dev/null
}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
out=$root/target/release-artifacts
rm -rf "$out"
mkdir -p "$out"

cargo build --release --locked -q -p inject-root
linux=$root/target/release/inject-root
scripts/windows.sh build >/dev/null
exe=$root/target/windows/inject-root.exe

# Windows zip
wname=inject-root-$version-x86_64-pc-windows-gnu
stage=$out/$wname
mkdir -p "$stage"
cp "$exe" README.md LICENSE "$stage/"
"$linux" completions powershell > "$stage/inject-root.ps1"
(cd "$out" && zip -q -r -X "$wname.zip" "$wname")
rm -rf "$stage"

# Linux tarball (stripped binary)
lname=inject-root-$version-x86_64-unknown-linux-gnu
stage=$out/$lname
mkdir -p "$stage"
cp "$linux" README.md LICENSE "$stage/"
strip "$stage/inject-root"
"$linux" completions bash > "$stage/inject-root.bash"
"$linux" man > "$stage/inject-root.1"
tar -C "$out" --owner=0 --group=0 --numeric-owner -czf "$out/$lname.tar.gz" "$lname"
rm -rf "$stage"

(cd "$out" && sha256sum "$wname.zip" "$lname.tar.gz" > SHA256SUMS)
cat "$out/SHA256SUMS"
