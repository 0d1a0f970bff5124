# Sourced by the scripts in benches/: the checks and the shared benchmark hive they all need.
#   bench_need TOOL:PACKAGE...   fail (exit 2) naming the Debian package of a missing tool
#   bench_big_hive               sets $data (target/bench-data) and $big (the 62 MB hive, built
#                                by make-big-hive.sh the first time)
#   bench_wim                    sets $w (target/bench-data/wim-bench) and $base, the 2-image LZX
#                                WIM (integrity table, boot index 2) whose images hold different
#                                62 MB hives (built the first time; needs bench_big_hive first)
# Expects $root (the repository) to be set.

bench_need() {
  local t
  for t in "$@"; do
    if [ "$t" = time ]; then
      [ -x /usr/bin/time ] || { echo "needs /usr/bin/time: apt-get install -y time" >&2; exit 2; }
      continue
    fi
    command -v "${t%%:*}" >/dev/null || { echo "needs ${t%%:*}: apt-get install -y ${t##*:}" >&2; exit 2; }
  done
}

bench_big_hive() {
  data="$root/target/bench-data"
  mkdir -p "$data"
  big="$data/big-hive"
  if [ ! -s "$big" ]; then
    echo "building the 62 MB benchmark hive (hivexsh, a few minutes)..." >&2
    bash "$root/benches/tools/make-big-hive.sh" "$big.tmp" && mv "$big.tmp" "$big"
  fi
}

bench_wim() {
  w="$data/wim-bench"
  mkdir -p "$w"
  base="$w/base.wim"
  if [ ! -s "$base" ]; then
    echo "building the 2-image benchmark WIM..." >&2
    rm -rf "$w/src1" "$w/src2"
    local i f
    for i in 1 2; do
      mkdir -p "$w/src$i/Windows/System32/config" "$w/src$i/Program Files/App"
      cp "$big" "$w/src$i/Windows/System32/config/SOFTWARE"
      for f in $(seq 1 200); do echo "image $i file $f" > "$w/src$i/Program Files/App/f$f.txt"; done
    done
    # The second image's hive differs by one extra hivexsh edit.
    printf 'cd \\\nadd SecondImageOnly\ncommit\n' > "$w/vary.cmd"
    hivexsh -w "$w/src2/Windows/System32/config/SOFTWARE" -f "$w/vary.cmd"
    wimlib-imagex capture "$w/src1" "$base.tmp" one --compress=LZX --check >/dev/null
    wimlib-imagex append "$w/src2" "$base.tmp" two --check --boot >/dev/null
    mv "$base.tmp" "$base"
  fi
}
