#!/usr/bin/env bash
# Throughput and latency of the hot path: the same non-streaming chat completion, sent by wrk
# to the emulator directly and then through one Yugong node (auth, hold, key choice, relay,
# metering, settlement), in one run. Prints both, and the ratio.
#
#   scripts/bench.sh [DURATION_SECONDS] [CONNECTIONS]       (defaults: 15 64)
#
# Everything runs on this machine, on loopback; wrk, the emulator, Redis and the node share the
# cores, so the figures are relative to the machine. See docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

DURATION=${1:-15}
CONNECTIONS=${2:-64}
THREADS=${BENCH_THREADS:-2}

command -v wrk >/dev/null || { echo "wrk is needed: sudo apt-get install wrk" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is needed: sudo apt-get install curl" >&2; exit 1; }

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "${REDIS_PID:-}" ]; then kill "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; fi
  rm -f "${LUA:-}"
}
trap cleanup EXIT INT TERM

ensure_jar
ensure_redis bench
mkdir -p data/logs
export YUGONG_MASTER_KEY=$(random_master_key)
export YUGONG_ADMIN_KEY=sk-admin-bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
export YUGONG_CLUSTER_NAME=yugong-bench-$$
JAVA=(java -Xms1g -Xmx2g --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED -jar target/yugong.jar)

MOCK_PORT=$(free_port 9200)
"${JAVA[@]}" mock-upstream --port "$MOCK_PORT" >data/logs/bench-mock.log 2>&1 &
PIDS+=($!)
NODE_PORT=$(free_port 8090)
CLUSTER_PORT=$(free_port 5901)
YUGONG_UPSTREAM="http://127.0.0.1:$MOCK_PORT" YUGONG_PORT=$NODE_PORT YUGONG_CLUSTER_PORT=$CLUSTER_PORT \
  YUGONG_CLUSTER_MEMBERS="127.0.0.1:$CLUSTER_PORT" "${JAVA[@]}" node >data/logs/bench-node.log 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$MOCK_PORT/_mock/stats" 60
wait_http "http://127.0.0.1:$NODE_PORT/ready" 120

ADMIN=(-H "Authorization: Bearer $YUGONG_ADMIN_KEY" -H "Content-Type: application/json")
curl -fsS "${ADMIN[@]}" -X POST "http://127.0.0.1:$NODE_PORT/admin/keys" \
  -d '[{"key":"sk-bench-upstream-0001"},{"key":"sk-bench-upstream-0002"},{"key":"sk-bench-upstream-0003"},{"key":"sk-bench-upstream-0004"}]' >/dev/null
ACCOUNT=$(curl -fsS "${ADMIN[@]}" -X POST "http://127.0.0.1:$NODE_PORT/x-users" \
  -d '{"Name":"bench-'$$'","CreditGranted":1000000}')
KEY=$(json_field "$ACCOUNT" SecretKey)

LUA=$(mktemp --suffix=.lua)
cat >"$LUA" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
wrk.body = '{"model":"gpt-4o-mini","max_tokens":16,"messages":[{"role":"user","content":"Say something short about benchmarks."}]}'
LUA

run() { # run NAME URL KEY -> prints "rps p50 p99"
  local out
  # warm up (the JIT compiles the hot path), then measure
  BENCH_KEY=$3 wrk -t"$THREADS" -c"$CONNECTIONS" -d10s -s "$LUA" "$2" >/dev/null 2>&1 || true
  out=$(BENCH_KEY=$3 wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$LUA" "$2")
  echo "$out" >"data/logs/bench-$1.txt"
  local rps p50 p99 errors
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  errors=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  echo "$rps $p50 $p99 ${errors:-0}"
}

echo "wrk: $THREADS threads, $CONNECTIONS connections, ${DURATION}s per target, on $(nproc) cores"
read -r D_RPS D_P50 D_P99 D_ERR < <(run direct "http://127.0.0.1:$MOCK_PORT/v1/chat/completions" sk-bench-upstream-0001)
read -r Y_RPS Y_P50 Y_P99 Y_ERR < <(run yugong "http://127.0.0.1:$NODE_PORT/v1/chat/completions" "$KEY")
printf '\n%-22s %12s %10s %10s %8s\n' "target" "requests/s" "p50" "p99" "non-2xx"
printf '%-22s %12s %10s %10s %8s\n' "emulator directly" "$D_RPS" "$D_P50" "$D_P99" "$D_ERR"
printf '%-22s %12s %10s %10s %8s\n' "through one node" "$Y_RPS" "$Y_P50" "$Y_P99" "$Y_ERR"
awk -v y="$Y_RPS" -v d="$D_RPS" 'BEGIN { printf "\nthroughput ratio (node / direct): %.2f\n", y / d }'
LEDGER=$(curl -fsS "http://127.0.0.1:$NODE_PORT/dashboard/x_user/info" -H "Authorization: Bearer $KEY")
echo "requests billed this month: $(printf '%s' "$LEDGER" | sed -n 's/.*"Requests":\([0-9]*\).*/\1/p')"
