# Sourced by the scripts in benches/: the checks and the shared benchmark hive they all need.
#   bench_need TOOL:PACKAGE...   fail (exit 2) naming the Debian package of a missing tool
#   bench_big_hive               sets $data (target/bench-data) and $big (the 62 MB hive, built
#                                by make-big-hive.sh the first time)
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
