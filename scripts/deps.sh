#!/usr/bin/env bash
# Installs what building and testing inject-root needs on a Debian/Ubuntu machine that has only
# the Rust toolchain: libclang (bindgen for the bundled wimlib), and the independent oracles the
# tests compare against. Idempotent and quiet when everything is already there.
#   scripts/deps.sh build   -> only what the build needs
#   scripts/deps.sh test    -> build + test oracles (default)
set -euo pipefail
mode=${1:-test}
pkgs=(libclang-dev pkg-config)
if [ "$mode" = test ]; then
  pkgs+=(libhivex-bin libwin-hivex-perl libregf-utils wimtools ntfs-3g openssl 7zip attr fuse3 wine64 gcc-mingw-w64-x86-64 python3-cryptography-vectors)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "scripts/deps.sh: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if command -v rustup >/dev/null 2>&1; then
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt >/dev/null 2>&1 || true
fi
