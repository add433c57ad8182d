#!/usr/bin/env bash
# Many concurrent long streams through one node: the capacity requirement
#
#   "10,000 concurrent streams of about 10 s each through one node, default settings:
#    all served; node RSS <= 1 GiB"
#
# It starts its own Redis (AOF on), the bundled OpenAI emulator as upstream (each streamed answer
# is STREAMS_TOKENS tokens at STREAMS_RATE tokens/s: 20 at 2/s, about 10 s), and one Yugong node
# with the default settings (only port, Redis, master key, admin key, upstream URL and its own
# cluster name/port/members are set) and the launcher's heap (scripts/start-node.sh: -Xms256m -Xmx768m). It adds one upstream key
# and a funded account, runs one trial stream, then wrk holds N connections open for SECONDS, each
# doing one streamed chat completion (stream: true, stream_options.include_usage) at a time, back
# to back.
#
# It prints the requests answered 2xx (and those without a final [DONE]) and non-2xx by status,
# counted by a Lua response() callback; wrk's socket errors (connect, read, write, timeout); and,
# sampled every second from /proc and ss: the node's peak RSS (VmRSS) with its thread count and
# open fds at that moment, VmHWM at the end, the most client and upstream connections open at
# once, the node's own count of requests in flight (/admin/cluster), RSS at the end inside and
# outside the Java heap (/proc/PID/smaps), the CPU seconds of the node (and per thread kind), the
# emulator, Redis and wrk during the load and how busy all cores were, the emulator's peak RSS and
# fds (it must hold N streams itself), time to first byte from the node's request log, and
# Redis's busiest commands.
#
# After the load it checks the account's Usage.Requests (GET /dashboard/x_user/info) against the
# 2xx count. They differ by the streams in flight when wrk's time is up: wrk cuts them, and the
# node bills them for what they got (the emulator's clientAbortedStreams is a rough cross-check),
# plus the few the node finished while wrk was stopping; the node's request log
# (logs/requests-PORT.jsonl, the default) tells both apart, and Usage.Requests must equal its full
# plus cut answers. Last, the WARN/ERROR lines of the node's log (data/logs/streams-node.log).
#
#   scripts/streams.sh [STREAMS] [SECONDS]      (defaults: 10000 30)
#
# A node needs about 2 file descriptors per stream (client and upstream socket) plus a few hundred;
# the script raises `ulimit -n` to STREAMS_NOFILE (65536) for itself and its children, or, when the
# hard limit forbids it, to the hard limit, and warns when that is too few for N streams. The
# figures are only worth something on an otherwise idle machine: the load average and how busy
# all cores were are printed. The exit status is 1 when the requirement is not met.
#
# Environment: STREAMS_TOKENS (completion tokens per answer, 20), STREAMS_RATE (emulator tokens/s,
# 2), STREAMS_THREADS (wrk threads, 2), STREAMS_NOFILE (65536), STREAMS_NODE_JVM (the node's heap
# options, "-Xms256m -Xmx768m", start-node.sh's default), STREAMS_MOCK_JVM (the emulator's, "-Xmx2g"), STREAMS_CREDIT (the
# account's USD, 1000000), STREAMS_WARMUP (seconds of STREAMS_WARMUP_CONNECTIONS streams, 200,
# before the measured load, 0: the node's JIT warms up; 60 s on 2 cores), STREAMS_MAX_TOKENS
# (max_tokens of every request; none by default, so each holds the model's 16,384 output tokens),
# STREAMS_BUILD=1 (rebuild target/yugong.jar when the sources are newer; by default an existing
# jar is used as it is). YUGONG_* settings in the environment reach the node as they are; the
# script names them, as the measurement is meant for the defaults. Files: data/logs/streams-
# {node.log,mock.log,wrk.txt,samples.txt,inflight.txt,warmup.txt}.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

STREAMS=${1:-10000}
DURATION=${2:-30}
TOKENS=${STREAMS_TOKENS:-20}
RATE=${STREAMS_RATE:-2}
THREADS=${STREAMS_THREADS:-2}
NOFILE=${STREAMS_NOFILE:-65536}
CREDIT=${STREAMS_CREDIT:-1000000}
WARMUP=${STREAMS_WARMUP:-0}
WARMUP_CONNECTIONS=${STREAMS_WARMUP_CONNECTIONS:-200}
read -r -a NODE_JVM <<<"${STREAMS_NODE_JVM:--Xms256m -Xmx768m}"
read -r -a MOCK_JVM <<<"${STREAMS_MOCK_JVM:--Xmx2g}"
[ "$STREAMS" -ge "$THREADS" ] || THREADS=$STREAMS

need wrk wrk
need curl curl
need redis-cli redis-tools

# --- file descriptors: about 2 per stream in the node, 1 per stream in wrk and the emulator ----
if ! ulimit -n "$NOFILE" 2>/dev/null; then
  ulimit -n "$(ulimit -Hn)"
fi
FDS=$(ulimit -n)
NEED_FDS=$((2 * STREAMS + 1024))
if [ "$FDS" != unlimited ] && [ "$FDS" -lt "$NOFILE" ]; then
  echo "note: ulimit -n could not be raised to $NOFILE (hard limit $(ulimit -Hn)); it is $FDS" >&2
fi
if [ "$FDS" != unlimited ] && [ "$FDS" -lt "$NEED_FDS" ]; then
  echo "warning: $STREAMS streams need about $NEED_FDS fds in the node (2 per stream + 1024); ulimit -n is $FDS:" \
       "expect accept or upstream-connect failures (Too many open files) past about $(((FDS - 300) / 2)) streams" >&2
fi

WORK=$(mktemp -d)
PIDS=()
SAMPLER_PID= FLIGHT_PID=
cleanup() {
  for p in $SAMPLER_PID $FLIGHT_PID; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  # the node first: stopping the emulator under it would only fill its log
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; wait "${PIDS[i]}" 2>/dev/null || true; done
  if [ -n "${REDIS_PID:-}" ]; then kill "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; fi
  rm -rf "$WORK" "data/redis-streams-$$" # its log, data/redis-streams-PID.log, stays
}
trap cleanup EXIT INT TERM

if [ -n "${STREAMS_BUILD:-}" ] || [ ! -f target/yugong.jar ]; then ensure_jar; fi
SET_VARS=$(env | grep -o '^YUGONG_[A-Z_]*' | grep -v '^YUGONG_REDIS$' | tr '\n' ' ' || true)
[ -z "$SET_VARS" ] || echo "note: not the defaults, the node gets these from the environment: $SET_VARS" >&2
unset YUGONG_REDIS
ensure_redis "streams-$$"
mkdir -p data/logs
JAVA_FLAGS=(--add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED)

# --- the emulator as upstream ----------------------------------------------------------------
UP_PORT=$(free_port 9400)
java "${MOCK_JVM[@]}" "${JAVA_FLAGS[@]}" -jar target/yugong.jar mock-upstream --port "$UP_PORT" \
  --token-rate "$RATE" --completion-tokens "$TOKENS" >data/logs/streams-mock.log 2>&1 &
MOCK_PID=$!
PIDS+=($MOCK_PID)
wait_http "http://127.0.0.1:$UP_PORT/_mock/stats" 120

# --- one Yugong node, default settings -------------------------------------------------------
start_lone_node streams "http://127.0.0.1:$UP_PORT" 8290 6051 data/logs/streams-node.log "${NODE_JVM[@]}"
ADMIN=(-H "Authorization: Bearer $YUGONG_ADMIN_KEY" -H "Content-Type: application/json")
curl -fsS "${ADMIN[@]}" -X POST "http://127.0.0.1:$NODE_PORT/admin/keys" \
  -d '[{"key":"sk-streams-upstream-0001","name":"streams-1"}]' >/dev/null
ACCOUNT=$(curl -fsS "${ADMIN[@]}" -X POST "http://127.0.0.1:$NODE_PORT/x-users" \
  -d '{"Name":"streams-'$$'","CreditGranted":'"$CREDIT"'}')
KEY=$(json_field "$ACCOUNT" SecretKey)
[ -n "$KEY" ] || { echo "could not create the account: $ACCOUNT" >&2; exit 1; }

# one stream by hand: it must work, and it shows how long one takes
T0=$(date +%s%N)
ONE=$(curl -fsS -N "http://127.0.0.1:$NODE_PORT/v1/chat/completions" -H "Authorization: Bearer $KEY" \
  -H "Content-Type: application/json" \
  -d '{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Tell me a story."}]}')
ONE_S=$(awk -v ns="$(($(date +%s%N) - T0))" 'BEGIN {printf "%.1f", ns / 1e9}')
case "$ONE" in
  *'data: [DONE]'*) ;;
  *) echo "the trial stream did not end with [DONE]: $ONE" >&2; exit 1 ;;
esac

# --- wrk: one streamed request at a time per connection; statuses counted in Lua --------------
cat >"$WORK/stream.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("STREAMS_KEY")
local maxTokens = os.getenv("STREAMS_MAX_TOKENS") or ""
wrk.body = '{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},'
  .. (maxTokens ~= "" and ('"max_tokens":' .. maxTokens .. ',') or "")
  .. '"messages":[{"role":"user","content":"Tell me a story."}]}'

local threads = {}
function setup(thread) table.insert(threads, thread) end

-- per thread (each has its own Lua state): globals, read by done() through thread:get
function init(args)
  ok = 0; bad = 0; nodone = 0; codes = ""
end

local seen = {}
function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
    if not string.find(body, "data: [DONE]", 1, true) then nodone = nodone + 1 end
  else
    bad = bad + 1
    seen[status] = (seen[status] or 0) + 1
    local parts = {}
    for s, n in pairs(seen) do table.insert(parts, s .. "=" .. n) end
    codes = table.concat(parts, " ")
  end
end

function done(summary, latency, requests)
  local ok_, bad_, nodone_, byCode = 0, 0, 0, {}
  for _, t in ipairs(threads) do
    ok_ = ok_ + t:get("ok"); bad_ = bad_ + t:get("bad"); nodone_ = nodone_ + t:get("nodone")
    for s, n in string.gmatch(t:get("codes"), "(%d+)=(%d+)") do byCode[s] = (byCode[s] or 0) + tonumber(n) end
  end
  local parts = {}
  for s, n in pairs(byCode) do table.insert(parts, s .. "=" .. n) end
  local e = summary.errors
  io.write(string.format("STREAMS ok=%d bad=%d nodone=%d connect=%d read=%d write=%d timeout=%d status=%d\n",
    ok_, bad_, nodone_, e.connect, e.read, e.write, e.timeout, e.status))
  io.write("STREAMS_CODES " .. table.concat(parts, " ") .. "\n")
  io.write(string.format("STREAMS_LATENCY p50=%.1f p99=%.1f max=%.1f\n",
    latency:percentile(50) / 1e6, latency:percentile(99) / 1e6, latency.max / 1e6))
end
LUA

if [ "$WARMUP" -gt 0 ]; then
  echo "warm-up: ${WARMUP}s of $WARMUP_CONNECTIONS streams (JIT; not measured)"
  STREAMS_KEY=$KEY STREAMS_MAX_TOKENS=${STREAMS_MAX_TOKENS:-} wrk -t"$THREADS" -c"$WARMUP_CONNECTIONS" -d"${WARMUP}s" --timeout 60s -s "$WORK/stream.lua" \
    "http://127.0.0.1:$NODE_PORT/v1/chat/completions" >data/logs/streams-warmup.txt 2>&1 || true
  sleep 12 # the streams the warm-up cut settle
fi

# --- sampling the node (and the emulator) every second ----------------------------------------
json_num() { # json_num TEXT FIELD: the first number named FIELD, or nothing
  printf '%s' "$1" | tr -d '\n' | grep -o "\"$2\" *: *[0-9]*" | awk 'NR == 1' | grep -o '[0-9]*$' || true
}
status_kb() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
fd_count() { { ls "/proc/$1/fd" 2>/dev/null || true; } | wc -l; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
conns() { { ss -Htn state established "$1" 2>/dev/null || true; } | wc -l; }
machine_ticks() { awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
# CPU seconds of this shell's waited-for children (wrk): `times` must run in this shell, not in $(...)
children_times() { times >"$WORK/$1"; }
times_s() { tail -1 "$WORK/$1" | awk '{for (i = 1; i <= 2; i++) {split($i, a, /[ms]/); s += a[1] * 60 + a[2]}} END {printf "%.2f", s}'; }
heap_rss_kb() { # heap_rss_kb PID START END: resident KiB of the mappings that start in [START, END) (hex)
  # fixed-width lower-case hex compares as text (mawk has no strtonum); one cat of smaps, not a read per byte
  local lo=${2#0x} hi=${3#0x}
  while [ ${#lo} -lt 16 ]; do lo=0$lo; done
  while [ ${#hi} -lt 16 ]; do hi=0$hi; done
  cat "/proc/$1/smaps" | awk -v lo="$lo" -v hi="$hi" '
    $1 ~ /^[0-9a-f]+-[0-9a-f]+$/ { a = sprintf("%16s", substr($1, 1, index($1, "-") - 1)); gsub(/ /, "0", a); in_heap = a >= lo && a < hi; next }
    $1 == "Rss:" && in_heap { kb += $2 }
    END { print kb + 0 }'
}
redis_info() { redis-cli -p "${YUGONG_REDIS##*:}" info "$1" | tr -d '\r'; }
redis_cpu() { redis_info cpu | awk -F: '$1 == "used_cpu_sys" || $1 == "used_cpu_user" {s += $2} END {printf "%.2f", s}'; }
thread_ticks() { # "tid ticks name" for every thread of process $1
  local t
  for t in /proc/"$1"/task/*; do
    [ -r "$t/stat" ] || continue
    # the name may hold spaces and parentheses: the fields after the last ')' are fixed
    awk -v tid="${t##*/}" -v name="$(tr ' ' '_' <"$t/comm" 2>/dev/null)" \
      '{ sub(/.*\) /, ""); print tid, $12 + $13, name }' "$t/stat" 2>/dev/null || true
  done
}
sampler() { # one line a second: s rssKiB threads fds clientConns upstreamConns mockRssKiB mockFds
  local t0
  t0=$(date +%s)
  while kill -0 "$NODE_PID" 2>/dev/null; do
    echo "$(($(date +%s) - t0)) $(status_kb "$NODE_PID" VmRSS) $(status_kb "$NODE_PID" Threads)" \
         "$(fd_count "$NODE_PID") $(conns "( sport = :$NODE_PORT )") $(conns "( dport = :$UP_PORT )")" \
         "$(status_kb "$MOCK_PID" VmRSS) $(fd_count "$MOCK_PID")" >>"$WORK/samples"
    sleep 1
  done
}
flight_sampler() { # the node's own count of requests in flight (/admin/cluster; minus this request)
  local t0 n
  t0=$(date +%s)
  while kill -0 "$NODE_PID" 2>/dev/null; do
    n=$(curl -fsS -m 5 "${ADMIN[@]}" "http://127.0.0.1:$NODE_PORT/admin/cluster" 2>/dev/null || true)
    n=$(json_num "$n" requestsInFlight)
    [ -z "$n" ] || echo "$(($(date +%s) - t0)) $((n - 1))" >>"$WORK/inflight"
    sleep 1
  done
}

# what the account and the node's request log (the default YUGONG_REQUEST_LOG=logs) hold before the load
sleep 1
U0=$(json_num "$(curl -fsS "http://127.0.0.1:$NODE_PORT/dashboard/x_user/info" -H "Authorization: Bearer $KEY")" Requests)
REQLOG=
if [ -z "${YUGONG_REQUEST_LOG:-}" ] || [ "${YUGONG_REQUEST_LOG}" = logs ]; then REQLOG=logs/requests-$NODE_PORT.jsonl; fi
REQLOG_L0=$( { cat "$REQLOG" 2>/dev/null || true; } | wc -l)

HZ=$(getconf CLK_TCK)
echo "one trial stream through the node took ${ONE_S}s ($TOKENS tokens at $RATE tokens/s); ulimit -n $FDS;" \
     "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk: $THREADS threads, $STREAMS connections, ${DURATION}s, one streamed chat completion at a time per connection (max_tokens ${STREAMS_MAX_TOKENS:-none}, warm-up ${WARMUP}s)"
RSS0=$(status_kb "$NODE_PID" VmRSS)
touch "$WORK/samples" "$WORK/inflight"
sampler &
SAMPLER_PID=$!
flight_sampler &
FLIGHT_PID=$!
C0=$(cpu_ticks "$NODE_PID"); M0=$(cpu_ticks "$MOCK_PID"); R0=$(redis_cpu)
thread_ticks "$NODE_PID" >"$WORK/threads0"
read -r B0 MT0 < <(machine_ticks); children_times times0
set +e
STREAMS_KEY=$KEY STREAMS_MAX_TOKENS=${STREAMS_MAX_TOKENS:-} wrk -t"$THREADS" -c"$STREAMS" -d"${DURATION}s" --timeout 60s -s "$WORK/stream.lua" \
  "http://127.0.0.1:$NODE_PORT/v1/chat/completions" >"$WORK/wrk.txt" 2>&1
WRK_RC=$?
set -e
C1=$(cpu_ticks "$NODE_PID"); M1=$(cpu_ticks "$MOCK_PID"); R1=$(redis_cpu)
thread_ticks "$NODE_PID" >"$WORK/threads1"
read -r B1 MT1 < <(machine_ticks); children_times times1
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
sleep 5 # the streams wrk cut settle; write-behind flushes every 50 ms
kill "$SAMPLER_PID" "$FLIGHT_PID" 2>/dev/null || true
wait "$SAMPLER_PID" "$FLIGHT_PID" 2>/dev/null || true
SAMPLER_PID= FLIGHT_PID=
cp "$WORK/wrk.txt" data/logs/streams-wrk.txt
cp "$WORK/samples" data/logs/streams-samples.txt
cp "$WORK/inflight" data/logs/streams-inflight.txt
[ "$WRK_RC" = 0 ] || { echo "wrk failed (exit $WRK_RC):" >&2; cat "$WORK/wrk.txt" >&2; }

# --- results ---------------------------------------------------------------------------------
kv() { { grep '^STREAMS ' "$WORK/wrk.txt" || true; } | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }
OK=$(kv ok); BAD=$(kv bad); NODONE=$(kv nodone)
E_CONNECT=$(kv connect); E_READ=$(kv read); E_WRITE=$(kv write); E_TIMEOUT=$(kv timeout)
CODES=$(grep '^STREAMS_CODES' "$WORK/wrk.txt" | cut -d' ' -f2- || true)
LAT=$(grep '^STREAMS_LATENCY' "$WORK/wrk.txt" | cut -d' ' -f2- || true)
: "${OK:=0}" "${BAD:=0}" "${NODONE:=0}" "${E_CONNECT:=0}" "${E_READ:=0}" "${E_WRITE:=0}" "${E_TIMEOUT:=0}"
SOCKET=$((E_CONNECT + E_READ + E_WRITE + E_TIMEOUT))
# the peak sample (largest RSS); the largest of the other columns over all samples
PEAK_T=0 PEAK_RSS=0 PEAK_THR=0 PEAK_FDS=0
read -r PEAK_T PEAK_RSS PEAK_THR PEAK_FDS _ < <(sort -k2,2n "$WORK/samples" | tail -1) || true
col_max() { awk -v c="$1" '$c > m {m = $c} END {print m + 0}' "$2"; }
MAX_FDS=$(col_max 4 "$WORK/samples")
MAX_CLIENTS=$(col_max 5 "$WORK/samples")
MAX_UP=$(col_max 6 "$WORK/samples")
MOCK_RSS=$(($(col_max 7 "$WORK/samples") / 1024))
MOCK_FDS=$(col_max 8 "$WORK/samples")
MAX_INF=$(col_max 2 "$WORK/inflight")
INF_N=$(wc -l <"$WORK/inflight")
HWM=$(status_kb "$NODE_PID" VmHWM)
RSS_MIB=$((PEAK_RSS / 1024))
HWM_MIB=$((HWM / 1024))
secs() { awk -v t="$1" -v hz="$HZ" 'BEGIN {printf "%.1f", t / hz}'; }
CPU_S=$(secs $((C1 - C0)))
MOCK_CPU_S=$(secs $((M1 - M0)))
WRK_CPU_S=$(awk -v a="$(times_s times0)" -v b="$(times_s times1)" 'BEGIN {printf "%.1f", b - a}')
BUSY=$(awk -v b="$((B1 - B0))" -v t="$((MT1 - MT0))" 'BEGIN {printf "%.0f", t ? 100 * b / t : 0}')
REDIS_CPU_S=$(awk -v a="$R0" -v b="$R1" 'BEGIN {printf "%.1f", b - a}')
HEAP_INFO=$(jcmd "$NODE_PID" GC.heap_info 2>/dev/null || true)
HEAP=$(printf '%s\n' "$HEAP_INFO" | grep -m1 -o 'total [0-9]*K, used [0-9]*K' || true)
read -r HEAP_LO HEAP_HI _ < <(printf '%s\n' "$HEAP_INFO" | grep -m1 -o '\[0x[0-9a-f]*, 0x[0-9a-f]*' | tr -d '[,'; echo) || true
RSS_END=$(status_kb "$NODE_PID" VmRSS)
HEAP_RSS=
if [ -n "${HEAP_HI:-}" ]; then HEAP_RSS=$(heap_rss_kb "$NODE_PID" "$HEAP_LO" "$HEAP_HI" 2>/dev/null || true); fi

INFO=$(curl -fsS "http://127.0.0.1:$NODE_PORT/dashboard/x_user/info" -H "Authorization: Bearer $KEY")
NODE_REQUESTS=$(($(json_num "$INFO" Requests) - ${U0:-0}))
MOCK_STATS=$(curl -fsS "http://127.0.0.1:$UP_PORT/_mock/stats")
MOCK_REQUESTS=$(json_num "$MOCK_STATS" requests)
MOCK_CUT=$(json_num "$MOCK_STATS" clientAbortedStreams)
MOCK_MOST=$(json_num "$MOCK_STATS" mostOpenStreams)
: "${NODE_REQUESTS:=0}" "${MOCK_REQUESTS:=0}" "${MOCK_CUT:=0}" "${MOCK_MOST:=0}"

# this run's request-log lines: full answers (status 200, all tokens), cut ones (200, fewer),
# late ones (499 with a cost: the client left after upstream's answer began, before its head
# reached the client; billed for what upstream produced), others by status
RL_FULL=? RL_CUT=? RL_LATE=0 RL_OTHER= RL_FB=
if [ -n "$REQLOG" ] && [ -f "$REQLOG" ]; then
  read -r RL_FULL RL_CUT RL_LATE RL_OTHER < <(tail -n +$((REQLOG_L0 + 1)) "$REQLOG" | awk -v k="$TOKENS" '
    function num(f) { return match($0, "\"" f "\":-?[0-9]+") ? substr($0, RSTART + length(f) + 3, RLENGTH - length(f) - 3) + 0 : -1 }
    { s = num("status"); c = num("completionTokens")
      if (s == 200 && c == k) full++; else if (s == 200) cut++; else if (s == 499 && num("cost") > 0) late++; else other[s]++ }
    END { o = ""; for (s in other) o = o (o == "" ? "" : ",") s "=" other[s]; print full + 0, cut + 0, late + 0, (o == "" ? "-" : o) }')
  RL_FB=$(tail -n +$((REQLOG_L0 + 1)) "$REQLOG" | grep -o '"firstByteMs":[0-9]*' | cut -d: -f2 | sort -n | awk '
    { v[NR] = $1 } END { if (NR) printf "p50 %d, p90 %d, p99 %d, max %d", v[int(NR * .5) + 1], v[int(NR * .9) + 1], v[int(NR * .99) + 1], v[NR] }')
fi
LOG=data/logs/streams-node.log
LOG_RE='^[0-9:.]+ +(WARN|ERROR) |^(WARNING|SEVERE):'
WARN_N=$(grep -cE '^[0-9:.]+ +WARN |^WARNING:' "$LOG" || true)
ERROR_N=$(grep -cE '^[0-9:.]+ +ERROR |^SEVERE:' "$LOG" || true)

echo
{ grep -v '^STREAMS' "$WORK/wrk.txt" || true; } | sed 's/^/  wrk| /'
echo
printf '%-22s %s\n' \
  "concurrent streams" "$STREAMS (most at once: $MAX_CLIENTS client connections, $MAX_UP upstream connections, $MAX_INF requests in flight in $INF_N readings of /admin/cluster)" \
  "duration" "${DURATION}s (stream latency s: ${LAT:-?}; time to first byte ms: ${RL_FB:-?})" \
  "answered 2xx" "$OK (of them without [DONE]: $NODONE)" \
  "non-2xx" "$BAD${CODES:+ ($CODES)}" \
  "socket errors" "$SOCKET (connect $E_CONNECT, read $E_READ, write $E_WRITE, timeout $E_TIMEOUT)" \
  "peak RSS MiB" "$RSS_MIB (at ${PEAK_T}s; before the load $((RSS0 / 1024)))" \
  "VmHWM MiB" "$HWM_MIB${HEAP:+ (Java heap at the end: $HEAP)}" \
  "RSS at the end MiB" "$((RSS_END / 1024))${HEAP_RSS:+: $((HEAP_RSS / 1024)) in the Java heap, $(((RSS_END - HEAP_RSS) / 1024)) outside it}" \
  "threads" "$PEAK_THR (at the peak)" \
  "fds" "$PEAK_FDS at the peak, most $MAX_FDS (ulimit -n $FDS)" \
  "node CPU s" "$CPU_S during the ${DURATION}s load (emulator $MOCK_CPU_S, Redis $REDIS_CPU_S, wrk $WRK_CPU_S; all $(nproc) cores ${BUSY}% busy; load average at the end $LOAD_END)" \
  "emulator" "peak RSS $MOCK_RSS MiB, most fds $MOCK_FDS, requests $MOCK_REQUESTS, most streams open at once $MOCK_MOST, client-aborted streams $MOCK_CUT"
echo
# Usage.Requests counts every 2xx the node answered, the streams wrk cut mid-way when its time
# was up (billed for what they got), and those it left after upstream's answer began but before
# its head reached it (499 with a cost); not requests refused or left before upstream answered
# (499 without a cost)
echo "account Usage.Requests during the load $NODE_REQUESTS; wrk 2xx $OK: difference $((NODE_REQUESTS - OK))"
if [ "$RL_FULL" != "?" ]; then
  echo "  request log ($REQLOG, this run): $RL_FULL full answers, $RL_CUT cut mid-stream (200, fewer than $TOKENS tokens), $RL_LATE left before the head after upstream answered (499, billed), others: $RL_OTHER"
  echo "  the difference is the $RL_CUT streams cut mid-stream when wrk stopped (the emulator saw $MOCK_CUT client hang-ups)" \
       "and $((RL_FULL - OK)) full answers the node logged that wrk did not count (finished as wrk stopped, or their end not yet received)"
  if [ "$NODE_REQUESTS" -eq $((RL_FULL + RL_CUT + RL_LATE)) ]; then
    echo "  => consistent: Usage.Requests = full + cut + late answers of the request log"
  else
    echo "  => NOT consistent: Usage.Requests $NODE_REQUESTS != $((RL_FULL + RL_CUT + RL_LATE)) (full + cut + late in the request log)"
  fi
else
  echo "  the difference should be about the streams in flight when wrk stopped (the emulator saw $MOCK_CUT client hang-ups)"
fi
echo
echo "node threads by CPU s during the load (a name's threads summed):"
awk -v hz="$HZ" 'NR == FNR {t0[$1] = $2; next} {d = $2 - t0[$1]; name = $3; sub(/[#-]?[0-9]+$/, "", name); cpu[name] += d; n[name]++}
  END {for (k in cpu) printf "%.1f %s %d\n", cpu[k] / hz, k, n[k]}' "$WORK/threads0" "$WORK/threads1" | sort -rn | awk 'NR <= 8' \
  | awk '{printf "  %-22s %6.1f s  (%d threads)\n", $2, $1, $3}'
echo
echo "Redis, busiest commands (calls, µs per call):"
redis_info commandstats | awk -F'[:,=]' '/^cmdstat_/ {sub("cmdstat_", "", $1); print $5, $1, $3, $7}' | sort -rn | awk 'NR <= 5' \
  | awk '{printf "  %-12s %8d calls %8.1f µs/call\n", $2, $3, $4}'
echo
echo "node log: $WARN_N WARN, $ERROR_N ERROR lines ($LOG); by level and logger:"
{ grep -E "$LOG_RE" "$LOG" || true; } | awk '/^(WARNING|SEVERE):/ {print $1; next} {print $2, $4}' | sort | uniq -c | sort -rn | awk 'NR <= 10' | sed 's/^/  /'
echo "first ones (after the start-up):"
{ grep -E "$LOG_RE" "$LOG" | grep -v CPSubsystem || true; } | awk 'NR <= 5' | cut -c1-300 | sed "s/^/  /"
echo
echo "samples (s rssKiB threads fds clientConns upstreamConns mockRssKiB mockFds): data/logs/streams-samples.txt;" \
     "in flight: data/logs/streams-inflight.txt; wrk: data/logs/streams-wrk.txt"
# served: no error of any kind, and all N streams were open to upstream at once at some moment
# (the emulator's count: over HTTP/2 they share a few hundred connections)
if [ "$BAD" = 0 ] && [ "$SOCKET" = 0 ] && [ "$NODONE" = 0 ] && [ "$RSS_MIB" -le 1024 ] && [ "$MAX_CLIENTS" -ge "$STREAMS" ] \
   && [ "$MOCK_MOST" -ge "$STREAMS" ]; then
  echo "requirement met: $STREAMS concurrent streams all served, peak RSS $RSS_MIB MiB <= 1024"
else
  echo "requirement NOT met: non-2xx $BAD, socket errors $SOCKET, 2xx without [DONE] $NODONE, peak RSS $RSS_MIB MiB," \
       "most client connections $MAX_CLIENTS and streams open upstream $MOCK_MOST of $STREAMS"
  exit 1
fi
