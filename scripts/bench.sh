#!/usr/bin/env bash
# The hot path against a plain nginx reverse proxy, in one run on loopback:
#
#   direct   a fast fake upstream (nginx `return 200`: a fixed chat completion, or a stream of
#            22 events ending in a usage chunk and [DONE])
#   nginx    the same upstream behind a plain nginx reverse proxy (keep-alive upstream)
#   yugong   the same upstream behind one Yugong node, full pipeline: auth, limits, hold, key
#            choice, relay, metering, settlement, ledger (its own Redis, AOF on)
#
# For non-streaming and streaming chat it prints requests/s, p50, p99, the ratio to the nginx
# proxy, node CPU µs per request (/proc/PID/stat), Redis CPU µs per request (INFO cpu) and Redis
# bytes per request (INFO memory); then the latency added over direct at one connection.
#
#   scripts/bench.sh [SECONDS] [CONNECTIONS]      (defaults: 15 32)
#
# Environment: BENCH_THREADS (wrk threads, 2), BENCH_WARMUP (seconds of load on the node before
# each of its measured runs, 60: its JIT is not done sooner on 2 cores; 5 s for the others), BENCH_CREDIT (the account's USD, 1000000: a
# funded account; a small one, e.g. 0.02, exercises the exact per-request path),
# BENCH_FLOOR=1 (also measure scripts/vertx-floor.java, the same Vert.x HTTP stack as a bare proxy
# with none of Yugong's work: the floor under the node's figures),
# BENCH_C1_ROUNDS (rounds of the one-connection latency, 3; each figure is the median),
# BENCH_NODE_JVM (the node's JVM flags, "-Xms1g -Xmx1g"; for trials such as another GC),
# BENCH_JFR=FILE (record the node with JFR during the non-streaming run), BENCH_SERVE=1 (set
# everything up, print where it is, and wait: for profiling by hand), and any YUGONG_*
# setting, passed to the node as is. See docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

DURATION=${1:-15}
CONNECTIONS=${2:-32}
THREADS=${BENCH_THREADS:-2}
CREDIT=${BENCH_CREDIT:-1000000}
WARMUP=${BENCH_WARMUP:-60}

need wrk wrk
need curl curl
need redis-cli redis-tools
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || need nginx nginx
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

WORK=$(mktemp -d)
chmod 755 "$WORK"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -f "$WORK/nginx.pid" ]; then kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true; fi
  if [ -n "${REDIS_PID:-}" ]; then kill "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

[ -n "${BENCH_NO_BUILD:-}" ] && [ -f target/yugong.jar ] || ensure_jar
unset YUGONG_REDIS
ensure_redis "bench-$$"
REDIS_PORT=${YUGONG_REDIS##*:}
mkdir -p data/logs

# --- the fake upstream and the nginx reverse proxy -------------------------------------------
UP_PORT=$(free_port 9300)
PROXY_PORT=$(free_port $((UP_PORT + 1)))
chunk() { # chunk DELTA_JSON FINISH
  printf 'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1764547200,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_bench","choices":[{"index":0,"delta":%s,"logprobs":null,"finish_reason":%s}],"usage":null}\n\n' "$1" "$2"
}
{
  chunk '{"role":"assistant","content":""}' null
  for w in Benchmarks " measure" " what" " a" " system" " does" " under" " load," " not" " what" \
           " it" " promises" " on" " paper;" " run" " them" " often" " and"; do
    chunk "{\"content\":\"$w\"}" null
  done
  chunk '{}' '"stop"'
  printf 'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1764547200,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_bench","choices":[],"usage":{"prompt_tokens":14,"completion_tokens":18,"total_tokens":32,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}\n\n'
  printf 'data: [DONE]\n\n'
} >"$WORK/stream.txt"
STREAM_EVENTS=$(grep -c '^data:' "$WORK/stream.txt")
JSON='{"id":"chatcmpl-bench","object":"chat.completion","created":1764547200,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"Benchmarks measure what a system does under load, not what it promises.","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":14,"completion_tokens":14,"total_tokens":28,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}},"system_fingerprint":"fp_bench"}'
mkdir -p "$WORK/logs" "$WORK/tmp"
cat >"$WORK/nginx.conf" <<NGINX
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/tmp; proxy_temp_path $WORK/tmp; fastcgi_temp_path $WORK/tmp;
  uwsgi_temp_path $WORK/tmp; scgi_temp_path $WORK/tmp;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$UP_PORT;
    location / {
      if (\$http_x_bench_stream) { rewrite ^ /stream.txt last; }
      default_type application/json;
      return 200 '$JSON';
    }
    location = /stream.txt {
      internal;
      root $WORK;
      types { }
      default_type text/event-stream;
      error_page 405 =200 /stream.txt;
    }
  }
  upstream fake { server 127.0.0.1:$UP_PORT; keepalive 256; }
  server {
    listen 127.0.0.1:$PROXY_PORT;
    location / {
      proxy_pass http://fake;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
NGINX
"$NGINX" -p "$WORK" -c "$WORK/nginx.conf"
wait_http "http://127.0.0.1:$UP_PORT/v1/chat/completions" 10
wait_http "http://127.0.0.1:$PROXY_PORT/v1/chat/completions" 10

# --- one Yugong node -------------------------------------------------------------------------
# shellcheck disable=SC2086
start_lone_node bench "http://127.0.0.1:$UP_PORT" 8190 5951 data/logs/bench-node.log ${BENCH_NODE_JVM:--Xms1g -Xmx1g}
ADMIN=(-H "Authorization: Bearer $YUGONG_ADMIN_KEY" -H "Content-Type: application/json")
curl -fsS "${ADMIN[@]}" -X POST "http://127.0.0.1:$NODE_PORT/admin/keys" \
  -d '[{"key":"sk-bench-upstream-0001"},{"key":"sk-bench-upstream-0002"},{"key":"sk-bench-upstream-0003"},{"key":"sk-bench-upstream-0004"}]' >/dev/null
ACCOUNT=$(curl -fsS "${ADMIN[@]}" -X POST "http://127.0.0.1:$NODE_PORT/x-users" \
  -d '{"Name":"bench-'$$'","CreditGranted":'"$CREDIT"'}')
KEY=$(json_field "$ACCOUNT" SecretKey)
[ -n "$KEY" ] || { echo "could not create the bench account: $ACCOUNT" >&2; exit 1; }

for mode in plain stream; do
  {
    echo 'wrk.method = "POST"'
    echo 'wrk.headers["Content-Type"] = "application/json"'
    echo 'wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")'
    if [ $mode = stream ]; then
      echo 'wrk.headers["X-Bench-Stream"] = "1"'
      echo "wrk.body = '{\"model\":\"gpt-4o-mini\",\"max_tokens\":32,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Say something short about benchmarks.\"}]}'"
    else
      echo "wrk.body = '{\"model\":\"gpt-4o-mini\",\"max_tokens\":32,\"messages\":[{\"role\":\"user\",\"content\":\"Say something short about benchmarks.\"}]}'"
    fi
  } >"$WORK/$mode.lua"
done

if [ -n "${BENCH_SERVE:-}" ]; then # set up, then wait: for profiling by hand
  echo "node: http://127.0.0.1:$NODE_PORT (pid $NODE_PID), key $KEY"
  echo "upstream: http://127.0.0.1:$UP_PORT, nginx proxy: http://127.0.0.1:$PROXY_PORT, redis: $REDIS_PORT"
  echo "wrk scripts: $WORK/plain.lua $WORK/stream.lua (BENCH_KEY=$KEY); Ctrl-C or kill $$ to stop"
  while kill -0 "$NODE_PID" 2>/dev/null; do sleep 1; done
  exit 0
fi

# --- the Vert.x floor (BENCH_FLOOR=1): the same HTTP stack with none of Yugong's work ----------
FLOOR_PID=
if [ -n "${BENCH_FLOOR:-}" ]; then
  FLOOR_PORT=$(free_port $((PROXY_PORT + 1)))
  java -Xms1g -Xmx1g -cp target/yugong.jar scripts/vertx-floor.java "$UP_PORT" "$FLOOR_PORT" \
    >data/logs/bench-floor.log 2>&1 &
  FLOOR_PID=$!
  PIDS+=("$FLOOR_PID")
  wait_http "http://127.0.0.1:$FLOOR_PORT/v1/chat/completions" 60
fi

# --- measuring -------------------------------------------------------------------------------
HZ=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
redis_info() { redis-cli -p "$REDIS_PORT" info "$1" | tr -d '\r' | awk -F: -v f="$2" '$1==f {print $2}'; }
redis_cpu() { echo "$(redis_info cpu used_cpu_sys) $(redis_info cpu used_cpu_user)" | awk '{printf "%.6f", $1 + $2}'; }
to_us() { # wrk latency (e.g. 812.00us, 1.20ms, 2.01s) -> µs
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) f = 1; else if (v ~ /ms$/) f = 1000; else if (v ~ /s$/) f = 1000000; else f = 1; printf "%.0f", n * f }'
}

# run NAME URL KEY LUA CONNS THREADS [PID] -> "rps p50us p99us non2xx requests cpuus redisus redisbytes"
# (cpuus: the CPU per request of process PID, the node by default)
run() {
  local name=$1 url=$2 key=$3 lua=$4 conns=$5 threads=$6 pid=${7:-$NODE_PID} out
  local warm=5
  # the node's JIT needs about a minute of load on 2 cores before its figures settle
  case $name in yugong-plain|yugong-stream) warm=$WARMUP ;; floor-*) warm=60 ;; esac
  BENCH_KEY=$key wrk -t"$threads" -c"$conns" -d"${warm}s" -s "$lua" "$url" >/dev/null 2>&1 || true
  local c0 r0 m0 c1 r1 m1
  c0=$(cpu_ticks "$pid"); r0=$(redis_cpu); m0=$(redis_info memory used_memory)
  if [ -n "${BENCH_JFR:-}" ] && [ "$name" = yugong-plain ]; then
    jcmd "$NODE_PID" JFR.start name=bench duration="${DURATION}s" filename="$BENCH_JFR" settings=profile >/dev/null
  fi
  out=$(BENCH_KEY=$key wrk -t"$threads" -c"$conns" -d"${DURATION}s" --latency -s "$lua" "$url")
  c1=$(cpu_ticks "$pid"); r1=$(redis_cpu); m1=$(redis_info memory used_memory)
  echo "$out" >"data/logs/bench-$name.txt"
  local rps p50 p99 errors n
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(to_us "$(echo "$out" | awk '$1=="50%" {print $2}')")
  p99=$(to_us "$(echo "$out" | awk '$1=="99%" {print $2}')")
  errors=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  awk -v rps="$rps" -v p50="$p50" -v p99="$p99" -v e="${errors:-0}" -v n="$n" -v hz="$HZ" \
      -v c="$((c1 - c0))" -v r0="$r0" -v r1="$r1" -v m="$((m1 - m0))" 'BEGIN {
    printf "%s %s %s %s %s %.1f %.1f %.0f\n", rps, p50, p99, e, n, c * 1e6 / hz / n, (r1 - r0) * 1e6 / n, m / n }'
}

echo "wrk: $THREADS threads, $CONNECTIONS connections, ${DURATION}s per target after a warm-up (node ${WARMUP} s, others 5 s), on $(nproc) cores"
echo "stream: $STREAM_EVENTS events of server-sent data per answer; account credit: $CREDIT USD"
printf '\n%-8s %-8s %11s %9s %9s %7s %7s %11s %12s %12s\n' mode target "requests/s" "p50 µs" "p99 µs" non-2xx ratio "node µs/req" "redis µs/req" "redis B/req"
for mode in plain stream; do
  read -r P_RPS P_P50 P_P99 P_ERR _ < <(run "nginx-$mode" "http://127.0.0.1:$PROXY_PORT/v1/chat/completions" x "$WORK/$mode.lua" "$CONNECTIONS" "$THREADS")
  read -r D_RPS D_P50 D_P99 D_ERR _ < <(run "direct-$mode" "http://127.0.0.1:$UP_PORT/v1/chat/completions" x "$WORK/$mode.lua" "$CONNECTIONS" "$THREADS")
  read -r Y_RPS Y_P50 Y_P99 Y_ERR _ Y_CPU R_CPU R_MEM < <(run "yugong-$mode" "http://127.0.0.1:$NODE_PORT/v1/chat/completions" "$KEY" "$WORK/$mode.lua" "$CONNECTIONS" "$THREADS")
  printf '%-8s %-8s %11s %9s %9s %7s %7s %11s %12s %12s\n' "$mode" direct "$D_RPS" "$D_P50" "$D_P99" "$D_ERR" "" "" "" ""
  printf '%-8s %-8s %11s %9s %9s %7s %7s %11s %12s %12s\n' "$mode" nginx "$P_RPS" "$P_P50" "$P_P99" "$P_ERR" "1.00" "" "" ""
  printf '%-8s %-8s %11s %9s %9s %7s %7.2f %11s %12s %12s\n' "$mode" yugong "$Y_RPS" "$Y_P50" "$Y_P99" "$Y_ERR" \
    "$(awk -v y="$Y_RPS" -v p="$P_RPS" 'BEGIN {print y / p}')" "$Y_CPU" "$R_CPU" "$R_MEM"
  if [ -n "$FLOOR_PID" ]; then
    read -r F_RPS F_P50 F_P99 F_ERR _ F_CPU _ < <(run "floor-$mode" "http://127.0.0.1:$FLOOR_PORT/v1/chat/completions" x "$WORK/$mode.lua" "$CONNECTIONS" "$THREADS" "$FLOOR_PID")
    printf '%-8s %-8s %11s %9s %9s %7s %7.2f %11s %12s %12s\n' "$mode" vertx "$F_RPS" "$F_P50" "$F_P99" "$F_ERR" \
      "$(awk -v y="$F_RPS" -v p="$P_RPS" 'BEGIN {print y / p}')" "$F_CPU" "" ""
  fi
done

echo
C1_ROUNDS=${BENCH_C1_ROUNDS:-3}
echo "latency added over direct at 1 connection (non-streaming), $C1_ROUNDS rounds of direct, nginx, yugong:"
# one connection's tail is the machine's scheduling jitter as much as the proxy's, so direct is
# measured again next to each proxy in every round, and each figure is its median over the rounds
NG_P50=() NG_P99=() YG_P50=() YG_P99=()
for round in $(seq 1 "$C1_ROUNDS"); do
  read -r _ D1_P50 D1_P99 _ < <(run direct-c1 "http://127.0.0.1:$UP_PORT/v1/chat/completions" x "$WORK/plain.lua" 1 1)
  read -r _ P1_P50 P1_P99 _ < <(run nginx-c1 "http://127.0.0.1:$PROXY_PORT/v1/chat/completions" x "$WORK/plain.lua" 1 1)
  read -r _ Y1_P50 Y1_P99 _ < <(run yugong-c1 "http://127.0.0.1:$NODE_PORT/v1/chat/completions" "$KEY" "$WORK/plain.lua" 1 1)
  NG_P50+=($((P1_P50 - D1_P50))) NG_P99+=($((P1_P99 - D1_P99)))
  YG_P50+=($((Y1_P50 - D1_P50))) YG_P99+=($((Y1_P99 - D1_P99)))
  printf '  round %s: direct p50 %s µs, p99 %s µs; nginx p50 %+d µs, p99 %+d µs; yugong p50 %+d µs, p99 %+d µs\n' \
    "$round" "$D1_P50" "$D1_P99" $((P1_P50 - D1_P50)) $((P1_P99 - D1_P99)) $((Y1_P50 - D1_P50)) $((Y1_P99 - D1_P99))
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
printf '  %-8s p50 %+d µs, p99 %+d µs (median of the rounds)\n' nginx "$(median "${NG_P50[@]}")" "$(median "${NG_P99[@]}")"
printf '  %-8s p50 %+d µs, p99 %+d µs (median of the rounds)\n' yugong "$(median "${YG_P50[@]}")" "$(median "${YG_P99[@]}")"

INFO=$(curl -fsS "http://127.0.0.1:$NODE_PORT/dashboard/x_user/info" -H "Authorization: Bearer $KEY")
echo
echo "account after the run: $(printf '%s' "$INFO" | tr ',' '\n' | grep -E '"(Requests|Balance|CreditUsed)"' | tr '\n' ' ')"
echo "wrk's full output: data/logs/bench-*.txt; the node's log: data/logs/bench-node.log"
