#!/usr/bin/env bash
# The native Windows binary, cross-built on Debian/Ubuntu (x86_64-pc-windows-gnu, MinGW-w64).
#   scripts/windows.sh build  -> target/windows/inject-root.exe (x86_64, static, stripped), its
#                                import table checked against the DLLs Windows 10/11 ship
#   scripts/windows.sh test   -> cli/tests against the .exe under Wine, then Windows paths, the
#                                DISM WIMs, list --json, the console, and the unit tests below
#   scripts/windows.sh unit   -> the library crates' unit tests built for Windows, under Wine
#
# Toolchain: rustup has no Windows std here, so this uses Debian's rustc-web/cargo-web (1.96)
# with rust-web-src and builds std from source (-Zbuild-std; RUSTC_BOOTSTRAP=1 because
# build-std is unstable). /usr/bin/cargo and /usr/bin/rustc are named explicitly: rustup's
# proxies come first in PATH. Its own target directory (target/windows) keeps the two
# toolchains' artifacts apart. wimlib (wimlib-sys `bundled`) is cross-built by MinGW gcc, with
# the fixes in vendor/wimlib-sys/PATCHES.md.
set -Eeuo pipefail
# With set -e a failing command ends the script; say which one, so that a CI log shows it.
trap 'echo "windows.sh: line $LINENO failed (exit $?): $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
root=$PWD
mode=${1:-build}
triple=x86_64-pc-windows-gnu
tdir=$root/target/windows
exe=$tdir/inject-root.exe
# An absolute Unix path as Wine sees it on drive Z: (/a/b -> Z:\a\b).
win_path() { local p=${1//\//\\}; printf 'Z:%s' "$p"; }
# Debian's cargo for the Windows target: std built from source, MinGW linking, the C runtime
# pieces (libgcc, winpthread) linked statically instead of as DLLs. Arguments go to cargo.
wcargo() {
  RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc \
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUSTFLAGS="-C target-feature=+crt-static" \
    /usr/bin/cargo "$@" --locked --target "$triple" --target-dir "$tdir"
}
# The Linux binary, the judge of what the .exe writes (sets $linux).
linux_binary() {
  (cd "$root" && cargo build -q -p inject-root)
  linux=$root/target/debug/inject-root
}
objdump=x86_64-w64-mingw32-objdump

# DLLs the .exe may import: each ships with every Windows 10 and 11 (x64) in System32.
#   kernel32, ntdll, advapi32 ........ std, wimlib (ntdll, advapi32 privileges)
#   bcrypt, bcryptprimitives ......... std's random numbers (ProcessPrng; Windows 8.1+/10+)
#   ws2_32, userenv, shell32, secur32 . std (sockets, home directory), kept for std's sake
#   user32 ........................... the console crate (indicatif's terminal handling)
#   ole32, oleaut32, crypt32 ......... COM/crypto, should a dependency need them
#   msvcrt, ucrtbase, api-ms-win-crt-* C runtime (MinGW links msvcrt.dll by default)
#   api-ms-win-core-synch-l1-2-0 ..... std's WaitOnAddress (apiset resolved by the loader)
#   synchronization .................. same functions under the DLL name Windows 8+ ship
#   psapi, pdh, powrprof ............. sysinfo (process list for the stale temp file check);
#                                      in System32 since Windows XP/Vista
#   api-ms-win-core-winrt-error-l1-1-0 the windows crate's error helpers (under sysinfo); an
#                                      API set of Windows 8+ (the loader resolves it to combase)
# Anything else (libgcc_s_seh-1, libwinpthread-1, libstdc++-6, zlib1, any vcruntime) fails.
allowed_dll() {
  case "${1,,}" in
    kernel32.dll | ntdll.dll | advapi32.dll | bcrypt.dll | bcryptprimitives.dll) return 0 ;;
    ws2_32.dll | userenv.dll | shell32.dll | secur32.dll) return 0 ;;
    user32.dll | ole32.dll | oleaut32.dll | crypt32.dll) return 0 ;;
    msvcrt.dll | ucrtbase.dll | api-ms-win-crt-*.dll) return 0 ;;
    api-ms-win-core-synch-l1-2-0.dll | synchronization.dll) return 0 ;;
    psapi.dll | pdh.dll | powrprof.dll | api-ms-win-core-winrt-error-l1-1-0.dll) return 0 ;;
  esac
  return 1
}

deps() {
  local pkgs=(rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64
    libclang-dev make)
  [ "$mode" = test ] && pkgs+=(wine64 wimtools)
  local missing=() p
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "scripts/windows.sh: installing ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# The import table: one DLL name a line.
imports() { "$objdump" -p "$1" | sed -n 's/^[[:space:]]*DLL Name: //p'; }

check_exe() {
  local f=$1 bad=0 dll
  "$objdump" -f "$f" | grep -q 'file format pei-x86-64' || { echo "$f: not an x86-64 PE image" >&2; return 1; }
  if "$objdump" -h "$f" | grep -q '\.debug_'; then echo "$f: not stripped (debug sections)" >&2; return 1; fi
  while read -r dll; do
    allowed_dll "$dll" || { echo "$f: imports $dll, which Windows does not ship" >&2; bad=1; }
  done < <(imports "$f")
  return $bad
}

# The Wine prefix (with the bcryptprimitives shim) and one wineserver for the whole run: without
# it every gap of a few seconds between two runs stops the server and the next run starts it (and
# Wine's service processes) again, a window for start-up/shut-down races that has nothing to do
# with the .exe. Sets $prefix and $wine.
wine_up() {
  prefix=$tdir/wine-prefix
  wine=$("$root/../shared/tools/wine/prefix.sh" "$prefix")
  local server
  server=$(dirname "$wine")/wineserver
  [ -x "$server" ] || server=$(command -v wineserver)
  # A server still up (from making the prefix, or an earlier run) makes `-p` fail: wait for it to
  # go first. Should `-p` fail anyway, the runs still work, each with a server of its own.
  WINEPREFIX=$prefix timeout 60 "$server" -w || true
  WINEPREFIX=$prefix "$server" -p \
    || echo "windows.sh: no persistent wineserver (exit $?); each run starts its own" >&2
  # shellcheck disable=SC2064 # the paths are fixed now
  trap "WINEPREFIX=$(printf %q "$prefix") $(printf %q "$server") -k 2>/dev/null || true" EXIT
}

# The library crates' own unit tests, built for Windows (libtest built from Debian's std sources,
# each test in a process of its own as panic=abort wants) and run under Wine, each from its
# package directory as cargo does: Windows' side of the platform layer (rename over a file,
# positioned I/O, file identity, liveness, case-insensitive names) meets a Windows file system.
unit() {
  deps
  local list bin pkg failed=0
  list=$(mktemp)
  wcargo test --quiet --no-run --lib --message-format=json \
    -p platform -p hive -p certblob -p chain -p wim -p inject \
    -Zbuild-std=std,panic_abort,test -Zpanic-abort-tests \
    | python3 -c '
import json, sys, os
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable"):
        print(os.path.dirname(m["manifest_path"]), m["executable"])' >"$list"
  while read -r pkg bin; do
    echo "windows.sh unit: $(basename "$pkg") under Wine"
    (cd "$pkg" && WINEPREFIX=$prefix WINEDEBUG=-all "$wine" "$bin" -q "$@") || failed=1
  done <"$list"
  rm -f "$list"
  return $failed
}

build() {
  deps
  # stripped, no debuginfo
  CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_STRIP=symbols \
    wcargo build --quiet --release -p inject-root -Zbuild-std=std,panic_abort
  cp "$tdir/$triple/release/inject-root.exe" "$exe"
  check_exe "$exe"
  echo "$exe"
  imports "$exe" | sort -uf | paste -sd' ' | sed 's/^/imports: /'
}

# What the cargo tests do not cover: Windows spellings of paths as a user types them
# (forward slashes, a relative path, a quoted glob), the three DISM-written WIMs of
# ../shared/testdata/wims, and `list --json` equal in content to the Linux binary's. Every
# file the .exe writes is judged on Linux (wimlib-imagex verify, the Linux binary's verify).
paths_dism_json() {
  local wrapper=$1 w cert hive
  linux_binary
  cert=$root/testdata/certs/DigiCert_Global_Root_CA.crt
  hive=$root/testdata/hives/offreg-testhive
  w=$(mktemp -d "${TMPDIR:-/tmp}/inject-root-win.XXXXXX")
  trap 'rm -rf "$w"' RETURN
  judge() { # file: the .exe wrote it; Linux must agree
    wimlib-imagex verify "$1" >/dev/null || { echo "windows.sh: wimlib-imagex verify fails on $1" >&2; return 1; }
    "$linux" verify -q --wim "$1" --cert "$cert" >/dev/null \
      || { echo "windows.sh: the Linux binary's verify fails on $1" >&2; return 1; }
  }
  mkdir -p "$w/glob"
  for n in slash rel glob/a glob/b json; do cp "$root/testdata/sample/boot.wim" "$w/$n.wim"; done
  # a sanity check of the judge itself: an untouched WIM must fail it
  if judge "$w/json.wim" 2>/dev/null; then
    echo "windows.sh: the Linux verify accepts a WIM the .exe never touched" >&2
    return 1
  fi
  "$wrapper" -q --wim "Z:$w/slash.wim" --cert "$cert"
  judge "$w/slash.wim"
  (cd "$w"; "$wrapper" -q --wim rel.wim --cert "$cert")
  judge "$w/rel.wim"
  "$wrapper" -q --wim "Z:${w//\//\\}\\glob\\*.wim" --cert "$cert"
  judge "$w/glob/a.wim"
  judge "$w/glob/b.wim"
  local i=0 d
  for d in "$root"/../shared/testdata/wims/*.wim; do
    i=$((i + 1))
    cp "$d" "$w/dism$i.wim" && chmod u+w "$w/dism$i.wim"
    wimlib-imagex update "$w/dism$i.wim" 1 \
      --command="add $hive /Windows/System32/config/SOFTWARE" >/dev/null
    "$wrapper" -q --wim "$w/dism$i.wim" --index 1 --cert "$cert"
    judge_index "$w/dism$i.wim"
  done
  [ "$i" -ge 3 ] || { echo "windows.sh: expected the 3 DISM WIMs of ../shared/testdata/wims" >&2; return 1; }
  # list --json: the same content as the Linux binary's (paths in Windows spelling, times aside)
  "$wrapper" -q --wim "$w/json.wim" --cert "$cert"
  "$wrapper" list --json --wim "$w/json.wim" >"$w/exe.json"
  "$linux" list --json --wim "$w/json.wim" >"$w/linux.json"
  python3 - "$w/exe.json" "$w/linux.json" <<'PY'
import json, sys
def norm(v):
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items() if not k.endswith("_ms")}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, str) and v[:3] in ("Z:\\", "Z:/"):
        return v[2:].replace("\\", "/")
    return v
exe, linux = (norm(json.load(open(p))) for p in sys.argv[1:3])
if exe != linux:
    sys.exit("windows.sh: list --json of the .exe differs from the Linux binary's")
PY
  echo "windows.sh: Windows paths (slashes, relative, glob), 3 DISM WIMs and list --json: OK"
}

# The console (a pseudo-terminal, which Wine's conhost serves as a Windows console), through
# cmd.exe: a certificate subject in German, Greek and Chinese prints as written and a progress
# bar is drawn; redirected to a file, the same run prints plain UTF-8 lines (no escape sequences,
# no bar). PowerShell is not part of Wine; it reads the same console.
console_check() {
  local w cert run args
  linux_binary
  w=$(mktemp -d "${TMPDIR:-/tmp}/inject-root-con.XXXXXX")
  trap 'rm -rf "$w"' RETURN
  cert=$w/unicode.pem
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$w/key.pem" -out "$cert" -days 30 -utf8 \
    -subj "/CN=Stammzertifikat Müller Ωμέγα 根/O=Ünïcødé" \
    -addext basicConstraints=critical,CA:true 2>/dev/null
  cp "$root/testdata/sample/boot.wim" "$w/console.wim"
  cp "$root/testdata/sample/boot.wim" "$w/redirected.wim"
  run="WINEPREFIX=$(printf %q "$prefix") WINEDEBUG=-all $(printf %q "$wine") cmd /c $(printf %q "$(win_path "$exe")")"
  # a wide terminal, so that Wine's console does not wrap the long lines
  args=$(printf '%q ' --wim "$(win_path "$w/console.wim")" --cert "$(win_path "$cert")")
  script -qec "stty cols 400 rows 50; $run $args" /dev/null >"$w/console.out" </dev/null
  args=$(printf '%q ' --wim "$(win_path "$w/redirected.wim")" --cert "$(win_path "$cert")")
  eval "$run $args" >"$w/redirected.out" 2>&1 </dev/null
  "$linux" verify -q --wim "$w/console.wim" --cert "$cert" >/dev/null \
    || { echo "windows.sh: the Linux verify fails on the WIM written from the console" >&2; return 1; }
  "$linux" verify -q --wim "$w/redirected.wim" --cert "$cert" >/dev/null \
    || { echo "windows.sh: the Linux verify fails on the WIM written redirected" >&2; return 1; }
  python3 - "$w/console.out" "$w/redirected.out" <<'PY'
import re, sys
subject = "CN=Stammzertifikat Müller Ωμέγα 根, O=Ünïcødé"
con = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
red = open(sys.argv[2], "rb").read()
text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", con).replace("\r", "")
fail = []
if subject not in text:
    fail.append("the console does not show the subject as written")
if not re.search(r"\[=+>? *\] \d+/\d+ images", text):
    fail.append("the console shows no progress bar")
if b"\x1b" in red:
    fail.append("escape sequences in redirected output")
if re.search(rb"\[=+", red):
    fail.append("a progress bar in redirected output")
if subject.encode() not in red:
    fail.append("redirected output does not hold the subject in UTF-8")
if fail:
    sys.exit("windows.sh: console check: " + "; ".join(fail) + "\n--- console ---\n" + text
             + "\n--- redirected ---\n" + red.decode("utf-8", "replace"))
PY
  echo "windows.sh: console (non-ASCII subject, progress bar) and redirected output (plain UTF-8): OK"
}

judge_index() { # a DISM WIM: image 1 edited by the .exe
  wimlib-imagex verify "$1" >/dev/null || { echo "windows.sh: wimlib-imagex verify fails on $1" >&2; return 1; }
  "$linux" verify -q --wim "$1" --index 1 --cert "$cert" >/dev/null \
    || { echo "windows.sh: the Linux binary's verify fails on $1" >&2; return 1; }
}

case "$mode" in
  build) build ;;
  unit) shift; wine_up; unit "$@" ;;
  check) check_exe "${2:-$exe}" && imports "${2:-$exe}" ;;
  test)
    # cli/tests against the .exe under Wine. The tests take the binary from $INJECT_ROOT_BIN;
    # the wrapper runs the .exe in a Wine prefix of its own (with the bcryptprimitives shim
    # Wine 8 lacks, test-only) and hands absolute Unix paths over as Windows paths on drive Z:
    # (`/tmp/x/boot.wim` -> `Z:\tmp\x\boot.wim`, also after `--opt=`); INJECT_ROOT_BIN_WINE
    # tells the tests to expect paths printed that way (cli/tests/common.rs `shown_path`). The
    # oracles (wimlib-imagex, hivex, nt-hive, the Linux binary) stay on the Linux side. Extra
    # arguments go to the test binaries (e.g. a test name filter).
    shift
    deps
    [ -x "$exe" ] || build
    wine_up
    wrapper=$tdir/inject-root-wine
    {
      echo '#!/usr/bin/env bash'
      echo '# Runs target/windows/inject-root.exe under Wine (made by scripts/windows.sh test).'
      printf 'export WINEPREFIX=%q WINEDEBUG=-all\n' "$prefix"
      printf 'wine=%q exe=%q\n' "$wine" "$(win_path "$exe")"
      declare -f win_path
      cat <<'EOW'
args=()
for a in "$@"; do
  case "$a" in
    /*) a=$(win_path "$a") ;;
    --*=/*) a="${a%%=*}=$(win_path "${a#*=}")" ;;
  esac
  args+=("$a")
done
# The .exe runs as the child of Wine's `start /wait /b`, which hands its arguments, standard
# handles and console on unchanged and exits with the child's exit code as Windows reports it to
# a parent (GetExitCodeProcess: what cmd's %ERRORLEVEL% and PowerShell's $LASTEXITCODE show). An
# unhandled exception in the .exe still shows (Wine prints it; the code is 0xC00000xx). What
# this hides is Wine's own Unix process dying after the .exe has ended (seen once in CI as a
# segfault after complete output, never reproduced here): a Windows parent never sees that.
# A non-zero exit with no output at all is Wine failing to start the .exe (seen once); that one
# case is retried once, and said on stderr. Anything else is passed on as it is.
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
for try in 1 2; do
  rc=0
  "$wine" start /wait /b "$exe" "${args[@]}" >"$out" 2>"$err" || rc=$?
  if [ "$rc" -eq 0 ] || [ -s "$out" ] || { [ -s "$err" ] && ! grep -q '^ShellExecuteEx failed' "$err"; } || [ "$try" -eq 2 ]; then break; fi
  echo "inject-root-wine: wine exited $rc with no output from the .exe; running it once more" >&2
done
cat "$out"
cat "$err" >&2
exit "$rc"
EOW
    } >"$wrapper"
    chmod +x "$wrapper"
    # Every CLI test file whose oracles stay on Linux; not kill_file (it kills the binary
    # mid-commit: under Wine that is the wrapper, not the .exe), broken_pipe (Wine's console
    # pipe) and trust_crypt32 (already runs crypt32 under Wine itself).
    INJECT_ROOT_BIN=$wrapper INJECT_ROOT_BIN_WINE=1 \
      cargo test --no-fail-fast -p inject-root --test end_to_end --test bad_input \
      --test dirty_hives --test real_hives --test sst_input --test ntfs_wim --test trust_check \
      -- "$@"
    if [ $# -eq 0 ]; then paths_dism_json "$wrapper" && console_check && unit; fi
    ;;
  *)
    echo "usage: scripts/windows.sh build|check [exe]|test|unit [filter]" >&2
    exit 2
    ;;
esac
