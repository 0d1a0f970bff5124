#!/usr/bin/env bash
# wim-vs-pipeline.sh: the CLI end to end (`inject-root --wim boot.wim --cert root.cer`, release
# build) on a 2-image LZX WIM (integrity table, boot index 2) whose images hold different
# 62 MB hives, side by side in one hyperfine run with:
#   pipeline: per image `wimlib-imagex extract` + a hivexsh edit + `wimlib-imagex update`
#             (what admins script today),
#   floor:    per image `wimlib-imagex update` with an already-edited hive.
# Goals (issue #12): ours <= 0.2x the floor and <= 0.15x the pipeline; bytes written at most
# the compressed new hives plus 1%. Then one JSON run reports the bytes written, the chunks
# reused and compressed, and the phases (read+decompress, edit, read-back, chunk compare, compress,
# write, integrity, fsync).
#
# Usage: benches/wim-vs-pipeline.sh [RUNS]   (needs wimlib-imagex, hivexsh, hyperfine, python3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
. "$root/benches/tools/common.sh"
bench_need wimlib-imagex:wimtools hivexsh:libhivex-bin hyperfine:hyperfine python3:python3

bench_big_hive

bench_wim
# The pipeline's edit: one key with a REG_BINARY value the size of a certificate Blob.
blobhex=$(python3 -c 'print(",".join("%02x" % (i*7 % 256) for i in range(1500)))')
printf 'cd \\\nadd BenchEdit\ncd BenchEdit\nsetval 1\nBlob\nhex:3:%s\ncommit\n' "$blobhex" > "$w/edit.cmd"

if [ ! -s "$w/new2" ]; then
  for i in 1 2; do
    cp "$w/src$i/Windows/System32/config/SOFTWARE" "$w/new$i"
    hivexsh -w "$w/new$i" -f "$w/edit.cmd"
  done
fi

(cd "$root" && cargo build --release -q -p inject-root)
ours="$root/target/release/inject-root"
cert="$root/testdata/certs/GTS_Root_R4.crt"
work="$w/work.wim"

cat > "$w/pipeline.sh" <<PIPE
set -e
for i in 1 2; do
  rm -rf "$w/x"; mkdir "$w/x"
  wimlib-imagex extract "$work" \$i /Windows/System32/config/SOFTWARE --dest-dir="$w/x" --no-acls >/dev/null
  hivexsh -w "$w/x/SOFTWARE" -f "$w/edit.cmd"
  wimlib-imagex update "$work" \$i --command="add $w/x/SOFTWARE /Windows/System32/config/SOFTWARE" >/dev/null
done
PIPE
cat > "$w/floor.sh" <<FLOOR
set -e
for i in 1 2; do
  wimlib-imagex update "$work" \$i --command="add $w/new\$i /Windows/System32/config/SOFTWARE" >/dev/null
done
FLOOR

echo "WIM: $(stat -c %s "$base") bytes; hives: $(stat -c %s "$w/new1"), $(stat -c %s "$w/new2") bytes; $(nproc) CPUs; load $(cut -d' ' -f1 /proc/loadavg)" >&2
hyperfine --runs "$runs" --prepare "cp $base $work && sync" --export-json "$w/result.json" \
  -n pipeline "bash $w/pipeline.sh" \
  -n floor "bash $w/floor.sh" \
  -n ours "$ours --wim $work --cert $cert --quiet"

python3 - "$w/result.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
p, f, o = (r[k]["median"] for k in ["pipeline", "floor", "ours"])
print(f"ours {o:.3f}s = {o/f:.3f}x floor ({f:.3f}s), {o/p:.3f}x pipeline ({p:.3f}s)")
print("goal ours <= 0.2x floor:", "MET" if o <= 0.2 * f else "NOT MET")
print("goal ours <= 0.15x pipeline:", "MET" if o <= 0.15 * p else "NOT MET")
PY

echo "--- one run with the JSON report: bytes written and phases ---"
cp "$base" "$work" && sync
"$ours" --wim "$work" --cert "$cert" --json > "$w/report.json"
wimlib-imagex verify "$work" >/dev/null && echo "wimlib-imagex verify: OK"
for i in 1 2; do
  wimlib-imagex dir "$work" $i --path=/Windows/System32/config/SOFTWARE --detailed \
    | sed -n 's/^ *Compressed size *= \([0-9]*\) bytes.*/\1/p' | head -1
done > "$w/hive-sizes"
python3 - "$w/report.json" "$w/hive-sizes" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["targets"][0]
hives = sum(int(x) for x in open(sys.argv[2]).read().split())
c = t["wim_commit"]
print(f"bytes written {t['bytes_written']}, compressed new hives {hives}: "
      f"{t['bytes_written']/hives:.4f}x ->", "MET (<= 1.01x)" if t["bytes_written"] <= hives * 1.01 else "NOT MET")
print(f"writer {c['writer']}: {c['chunks_reused']} chunks reused, {c['chunks_compressed']} compressed")
print("phases (ms): " + ", ".join(f"{k[:-3]} {v}" for k, v in c.items() if k.endswith("_ms")))
print(f"target wall time {t['elapsed_ms']} ms")
PY
rm -f "$work"
