#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls this script):
# installs what the tests need, then format check, clippy with warnings as errors, all tests,
# then the Windows .exe: built (import table checked) and the CLI tests run against it under Wine.
# Long modes (more proptest cases, >= 50 kill-during-commit runs): INJECT_ROOT_LONG_TESTS=1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test"
cargo test --workspace --no-fail-fast
echo "== Windows: the .exe (scripts/windows.sh build), the CLI tests against it under Wine"
scripts/windows.sh build
scripts/windows.sh test
