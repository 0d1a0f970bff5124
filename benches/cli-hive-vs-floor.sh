#!/usr/bin/env bash
# cli-hive-vs-floor.sh: the CLI end to end, as a user runs it, on the 62 MB benchmark hive
# (benches/tools/make-big-hive.sh), side by side in one hyperfine run:
#   1. ours: `inject-root --hive HIVE --cert ROOT --quiet` (release build),
#   2. atomic-floor: what any crash-safe rewrite of the file costs before it edits anything
#      (cp to a temporary file, fsync it, rename it over the hive),
#   3. hivexsh (libhivex-bin) adding the same key and Blob (in place, no fsync).
# Then each command's peak memory (/usr/bin/time -v) and the ratios. Goals (issue: read-back
# that judges the edit): ours <= 1.15x atomic-floor, peak memory <= 0.25x the hive.
# The result is checked with cmcheck and hivexget before the numbers are printed.
#
# Usage: benches/cli-hive-vs-floor.sh [RUNS]   (needs hivexsh, hyperfine, python3, /usr/bin/time)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-15}
. "$root/benches/tools/common.sh"
bench_need hivexsh:libhivex-bin hyperfine:hyperfine python3:python3 openssl:openssl time

bench_big_hive
size=$(stat -c %s "$big")
(cd "$root" && cargo build --release -q -p inject-root)
ours="$root/target/release/inject-root"
cert="$root/testdata/certs/ACCVRAIZ1.crt"
thumb=$(openssl x509 -in "$cert" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
der="$data/cert.der"
openssl x509 -in "$cert" -outform DER -out "$der"
hexblob=$(python3 -c "import sys; print(','.join('%02x' % b for b in open(sys.argv[1],'rb').read()))" "$der")
cmds="$data/hivexsh-cli.cmd"
{
  echo 'cd \'
  for k in Microsoft SystemCertificates AuthRoot Certificates "$thumb"; do echo "add $k"; echo "cd $k"; done
  echo 'setval 1'; echo 'Blob'; echo "hex:3:$hexblob"
  echo 'commit'
} > "$cmds"

work="$data/cli-work-hive"
echo "load before: $(uptime)"
hyperfine --runs "$runs" --warmup 2 --export-json "$data/cli-result.json" \
  --prepare "cp '$big' '$work' && sync '$work'" \
  -n ours "'$ours' --hive '$work' --cert '$cert' --quiet" \
  -n atomic-floor "cp '$work' '$work.tmp' && sync '$work.tmp' && mv '$work.tmp' '$work'" \
  -n hivexsh "hivexsh -w '$work' -f '$cmds'"
echo "load after: $(uptime)"

echo
echo "peak memory (/usr/bin/time -v, hive is $size bytes):"
peak() { # name, command...
  local name=$1; shift
  cp "$big" "$work"
  /usr/bin/time -v "$@" 2> "$data/time.txt" >/dev/null
  local kb; kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$data/time.txt")
  printf '  %-13s %8d KiB  (%.3fx hive size)\n' "$name" "$kb" "$(python3 -c "print($kb*1024/$size)")"
}
peak ours "$ours" --hive "$work" --cert "$cert" --quiet
cp "$work" "$data/cli-ours-result"
peak atomic-floor sh -c "cp '$work' '$work.tmp' && sync '$work.tmp' && mv '$work.tmp' '$work'"
peak hivexsh hivexsh -w "$work" -f "$cmds"

# The result must be right before the numbers count.
cmcheck_dir="$data/cmcheck"
bash "$root/../shared/tools/cmcheck/build.sh" "$cmcheck_dir" >/dev/null 2>&1 || true
if [ -x "$cmcheck_dir/cmcheck" ]; then
  "$cmcheck_dir/cmcheck" -q "$data/cli-ours-result" | cut -c1-120
fi
hivexget "$data/cli-ours-result" "\\Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\$thumb" Blob > "$data/blob.out"
grep -q -F "$(head -c 64 "$der" | od -An -tx1 | tr -d ' \n')" <(od -An -tx1 "$data/blob.out" | tr -d ' \n') \
  && echo "hivexget: the Blob holds the certificate" || { echo "hivexget: Blob does not hold the certificate"; exit 1; }

python3 - "$data/cli-result.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
med = {k: v["median"] for k, v in r.items()}
for k, v in med.items():
    print(f"  {k:13s} median {v*1000:7.1f} ms   mean {r[k]['mean']*1000:7.1f} ms")
print(f"ours / atomic-floor: {med['ours']/med['atomic-floor']:.2f}x (goal <= 1.15x)")
print(f"ours / hivexsh:      {med['ours']/med['hivexsh']:.2f}x")
PY
