#!/usr/bin/env bash
# The main job on bundled sample data: builds inject-root (installing libclang for the bundled
# wimlib build if missing), then runs `inject-root demo`, which copies the sample boot.wim
# (testdata/sample/boot.wim: 2 images with a real Windows-written SOFTWARE hive) and a real root CA
# into a new temporary directory, injects the root into both images (every edited hive is read back by nt-hive before the
# commit) and lists the stores back. Extra arguments go to `inject-root demo` (e.g. a directory to work in).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cargo build --quiet --release -p inject-root
exec target/release/inject-root demo "$@"
