#!/usr/bin/env bash
# windows-vs-linux.sh: the same commit (`inject-root --wim boot.wim --cert root.cer`) of the
# 2-image, 62 MB-hive benchmark WIM of wim-vs-pipeline.sh, by the Windows .exe under Wine
# (scripts/windows.sh build) and by the Linux binary (release build), side by side in one
# hyperfine run. Goal (issue #16): no Windows-only slow path, the .exe within 1.5x of the Linux
# binary. Wine's own start-up (a few hundred ms) is measured separately with `--version` and
# reported beside the ratio. Both written WIMs are checked (wimlib-imagex verify, the Linux
# binary's verify).
#
# Usage: benches/windows-vs-linux.sh [RUNS]   (needs wimlib-imagex, hivexsh, hyperfine, python3,
#                                              and what scripts/windows.sh build installs)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
. "$root/benches/tools/common.sh"
bench_need wimlib-imagex:wimtools hivexsh:libhivex-bin hyperfine:hyperfine python3:python3

bench_big_hive
bench_wim

(cd "$root" && cargo build --release -q -p inject-root)
linux="$root/target/release/inject-root"
[ -x "$root/target/windows/inject-root.exe" ] || "$root/scripts/windows.sh" build >&2
exe="$root/target/windows/inject-root.exe"
export WINEPREFIX="$root/target/windows/wine-prefix" WINEDEBUG=-all
wine=$("$root/../shared/tools/wine/prefix.sh" "$WINEPREFIX")
cert="$root/testdata/certs/GTS_Root_R4.crt"
wcert="Z:${cert//\//\\}"
lw="$w/linux.wim" ww="$w/windows.wim"
www="Z:${ww//\//\\}"

echo "WIM: $(stat -c %s "$base") bytes; $(nproc) CPUs; load $(cut -d' ' -f1 /proc/loadavg)" >&2
"$wine" "$exe" --version
"$linux" --version
hyperfine --runs "$runs" --export-json "$w/windows-vs-linux.json" \
  --prepare "cp $base $lw && cp $base $ww && sync" \
  -n linux "$linux --wim $lw --cert $cert --quiet" \
  -n windows-wine "$wine $exe --wim '$www' --cert '$wcert' --quiet" \
  -n wine-startup "$wine $exe --version"

python3 - "$w/windows-vs-linux.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
l, w, s = r["linux"], r["windows-wine"], r["wine-startup"]
print(f"linux {l:.3f}s, .exe under Wine {w:.3f}s: {w/l:.2f}x "
      f"({(w - s)/l:.2f}x without Wine's start-up of {s:.3f}s)")
print("goal .exe <= 1.5x linux:", "MET" if w <= 1.5 * l else "NOT MET")
PY
# hyperfine's --prepare put the base WIM back: one more commit by each, then judge both.
cp "$base" "$lw" && cp "$base" "$ww"
"$linux" --wim "$lw" --cert "$cert" --quiet >/dev/null
"$wine" "$exe" --wim "$www" --cert "$wcert" --quiet >/dev/null
for f in "$lw" "$ww"; do
  wimlib-imagex verify "$f" >/dev/null 2>&1
  echo "wimlib-imagex verify $(basename "$f"): OK"
  "$linux" verify --wim "$f" --cert "$cert" --quiet >/dev/null
  echo "inject-root (Linux) verify $(basename "$f"): OK"
done
rm -f "$lw" "$ww"
