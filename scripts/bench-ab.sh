#!/usr/bin/env bash
# Two builds side by side: the node CPU per request of the tree's jar (target/yugong.jar) against
# that of an earlier commit, measured in alternating rounds so that the machine's drift (20 % over
# an hour on a shared 2-core machine) falls on both alike.
#
#   scripts/bench-ab.sh REV [ROUNDS] [SECONDS]      (defaults: 7 rounds of 20 s per build and mode)
#
# It clones REV into a temporary directory and builds its jar (Maven, offline when it can), then
# starts two `BENCH_SERVE=1 scripts/bench.sh` setups, each with its own nginx upstream and Redis:
# one from REV, one from this tree. After a warm-up (BENCH_AB_WARMUP rounds, 3, not counted) each
# round runs wrk (2 threads, 32 connections) for SECONDS against REV's node and then this tree's,
# streaming and then plain, and prints requests/s and node µs per request (utime+stime from
# /proc). At the end it prints each build's mean per mode. BENCH_NO_BUILD=1 uses target/yugong.jar
# as it is (otherwise it is built). See docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

REV=${1:?usage: scripts/bench-ab.sh REV [ROUNDS] [SECONDS]}
ROUNDS=${2:-7}
SECONDS_PER=${3:-20}
WARMUP_ROUNDS=${BENCH_AB_WARMUP:-3}
need wrk wrk

HERE=$PWD
THERE=$(mktemp -d)
SERVES=()
cleanup() {
  for p in "${SERVES[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${SERVES[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$THERE"
}
trap cleanup EXIT INT TERM

git clone -q "$HERE" "$THERE/old"
git -C "$THERE/old" checkout -q "$REV"
echo "building $REV in $THERE/old ..."
(cd "$THERE/old" && { mvn -o -q -B package -DskipTests || mvn -q -B package -DskipTests; }) >"$THERE/old-build.log" 2>&1 \
  || { echo "could not build $REV; see $THERE/old-build.log" >&2; cat "$THERE/old-build.log" >&2; exit 1; }
[ -n "${BENCH_NO_BUILD:-}" ] && [ -f target/yugong.jar ] || ensure_jar

# serve DIR LOG: one BENCH_SERVE=1 setup from DIR, waited for until it prints its node
serve() {
  local dir=$1 log=$2
  (cd "$dir" && BENCH_NO_BUILD=1 BENCH_SERVE=1 exec scripts/bench.sh) >"$log" 2>&1 &
  SERVES+=($!)
  local i=0
  until grep -q '^wrk scripts:' "$log" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -ge 600 ] || ! kill -0 "${SERVES[-1]}" 2>/dev/null; then
      echo "the setup in $dir did not start; its output:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.5
  done
}
serve "$THERE/old" "$THERE/old.log"
serve "$HERE" "$THERE/new.log"

# what a setup printed: node pid and port, key, and the directory of its wrk scripts
field() { grep -o "$2" "$1" | head -1; }
OLD_PID=$(field "$THERE/old.log" '(pid [0-9]*' | tr -dc 0-9)
NEW_PID=$(field "$THERE/new.log" '(pid [0-9]*' | tr -dc 0-9)
OLD_PORT=$(field "$THERE/old.log" 'node: http://127.0.0.1:[0-9]*' | sed 's/.*://')
NEW_PORT=$(field "$THERE/new.log" 'node: http://127.0.0.1:[0-9]*' | sed 's/.*://')
OLD_KEY=$(field "$THERE/old.log" 'BENCH_KEY=[^)]*' | cut -d= -f2)
NEW_KEY=$(field "$THERE/new.log" 'BENCH_KEY=[^)]*' | cut -d= -f2)
OLD_LUA=$(dirname "$(field "$THERE/old.log" '/[^ ]*/plain.lua')")
NEW_LUA=$(dirname "$(field "$THERE/new.log" '/[^ ]*/plain.lua')")

# round PID PORT KEY LUADIR MODE: prints "requests/s µs-per-request"
round() {
  local pid=$1 port=$2 key=$3 lua=$4 mode=$5 a before after out requests rps
  read -r -a a <"/proc/$pid/stat"
  before=$((a[13] + a[14]))
  out=$(BENCH_KEY=$key wrk -t2 -c32 -d"${SECONDS_PER}s" -s "$lua/$mode.lua" "http://127.0.0.1:$port/v1/chat/completions")
  read -r -a a <"/proc/$pid/stat"
  after=$((a[13] + a[14]))
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  echo "$rps $(((after - before) * 1000000 / $(getconf CLK_TCK) / requests))"
}

echo "old: $REV (node pid $OLD_PID), new: this tree (node pid $NEW_PID); $ROUNDS rounds of ${SECONDS_PER} s after $WARMUP_ROUNDS warm-up rounds"
printf '%-6s %-6s %-4s %12s %12s\n' round mode node requests/s "µs/req"
declare -A SUM
for r in $(seq 1 $((WARMUP_ROUNDS + ROUNDS))); do
  label=$r
  [ "$r" -le "$WARMUP_ROUNDS" ] && label="w$r"
  for mode in stream plain; do
    for build in old new; do
      if [ $build = old ]; then
        read -r rps us < <(round "$OLD_PID" "$OLD_PORT" "$OLD_KEY" "$OLD_LUA" $mode)
      else
        read -r rps us < <(round "$NEW_PID" "$NEW_PORT" "$NEW_KEY" "$NEW_LUA" $mode)
      fi
      printf '%-6s %-6s %-4s %12s %12s\n' "$label" $mode $build "$rps" "$us"
      if [ "$r" -gt "$WARMUP_ROUNDS" ]; then
        SUM[$mode-$build]=$(( ${SUM[$mode-$build]:-0} + us ))
      fi
    done
  done
done
echo
for mode in stream plain; do
  echo "$mode: old $((SUM[$mode-old] / ROUNDS)) µs/req, new $((SUM[$mode-new] / ROUNDS)) µs/req (means of $ROUNDS rounds)"
done
