#!/usr/bin/env bash
# The whole product in one run: a local Redis (unless YUGONG_REDIS is set), the bundled OpenAI
# emulator as upstream, a two-node cluster, emulator keys in the pool, an account with credit,
# a streamed chat completion through node 1, the account's balance through node 2, and the
# cluster view. Everything it starts is stopped when it exits.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "${REDIS_PID:-}" ]; then kill "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT INT TERM

command -v curl >/dev/null || { echo "curl is needed: sudo apt-get install curl" >&2; exit 1; }
ensure_jar
ensure_redis
mkdir -p data/logs

# The demo's secrets are made once and kept beside its data, so a second run can open what the
# first one sealed.
if [ -z "${YUGONG_MASTER_KEY:-}" ] && [ -f data/demo-secrets.env ]; then
  . data/demo-secrets.env
fi
if [ -z "${YUGONG_MASTER_KEY:-}" ]; then
  YUGONG_MASTER_KEY=$(random_master_key)
  YUGONG_ADMIN_KEY=sk-admin-$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
  (umask 077; printf 'YUGONG_MASTER_KEY=%s\nYUGONG_ADMIN_KEY=%s\n' "$YUGONG_MASTER_KEY" "$YUGONG_ADMIN_KEY" >data/demo-secrets.env)
fi
export YUGONG_MASTER_KEY YUGONG_ADMIN_KEY
export YUGONG_CLUSTER_NAME=${YUGONG_CLUSTER_NAME:-yugong-demo-$$}
JAVA=(java -Xmx1g --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED -jar target/yugong.jar)

MOCK_PORT=$(free_port 9100)
"${JAVA[@]}" mock-upstream --port "$MOCK_PORT" --token-rate 40 >data/logs/mock.log 2>&1 &
PIDS+=($!)
export YUGONG_UPSTREAM="http://127.0.0.1:$MOCK_PORT"

N1=$(free_port 8081); C1=$(free_port 5801)
N2=$(free_port $((N1 + 1))); C2=$(free_port $((C1 + 1)))
export YUGONG_CLUSTER_MEMBERS="127.0.0.1:$C1,127.0.0.1:$C2"
YUGONG_PORT=$N1 YUGONG_CLUSTER_PORT=$C1 "${JAVA[@]}" node >data/logs/node1.log 2>&1 &
PIDS+=($!)
YUGONG_PORT=$N2 YUGONG_CLUSTER_PORT=$C2 "${JAVA[@]}" node >data/logs/node2.log 2>&1 &
PIDS+=($!)

echo "emulator:     http://127.0.0.1:$MOCK_PORT"
echo "node 1:       http://127.0.0.1:$N1   node 2: http://127.0.0.1:$N2   (logs in data/logs)"
echo "console:      http://127.0.0.1:$N1/console   (admin key in data/demo-secrets.env; up while the demo runs)"
wait_http "http://127.0.0.1:$MOCK_PORT/_mock/stats" 60
wait_http "http://127.0.0.1:$N1/ready" 120
wait_http "http://127.0.0.1:$N2/ready" 120

ADMIN=(-H "Authorization: Bearer $YUGONG_ADMIN_KEY" -H "Content-Type: application/json")
echo
echo "== adding three emulator keys to the pool (through node 1)"
# keys left by an earlier demo point at that run's emulator: remove them first
for id in $(curl -fsS "${ADMIN[@]}" "http://127.0.0.1:$N1/admin/keys" | grep -o '"id":"key_[0-9a-f]*","name":"demo-[^"]*"' | sed 's/"id":"\(key_[0-9a-f]*\)".*/\1/'); do
  curl -fsS "${ADMIN[@]}" -X DELETE "http://127.0.0.1:$N1/admin/keys/$id" >/dev/null
done
curl -fsS "${ADMIN[@]}" -X POST "http://127.0.0.1:$N1/admin/keys" \
  -d '[{"key":"sk-demo-key-one-0000000001","name":"demo-1"},{"key":"sk-demo-key-two-0000000002","name":"demo-2"},{"key":"sk-demo-key-three-000000003","name":"demo-3"}]' >/dev/null
curl -fsS "${ADMIN[@]}" "http://127.0.0.1:$N2/admin/keys" | sed 's/},{/},\n {/g'
echo
echo "== creating an account with \$10 of credit"
ACCOUNT=$(curl -fsS "${ADMIN[@]}" -X POST "http://127.0.0.1:$N1/x-users" \
  -d '{"Name":"demo-'$$'","Email":"demo-'$$'@example.com","CreditGranted":10}')
echo "$ACCOUNT"
KEY=$(json_field "$ACCOUNT" SecretKey)

echo
echo "== a streamed chat completion through node 1"
curl -fsS -N "http://127.0.0.1:$N1/v1/chat/completions" -H "Authorization: Bearer $KEY" \
  -H "Content-Type: application/json" \
  -d '{"model":"gpt-4o-mini","stream":true,"max_tokens":12,"messages":[{"role":"user","content":"Say hello to Yugong"}]}'

echo
echo "== the account's balance through node 2"
curl -fsS "http://127.0.0.1:$N2/dashboard/x_user/info" -H "Authorization: Bearer $KEY"
echo
echo
echo "== the cluster view (any node)"
curl -fsS "${ADMIN[@]}" "http://127.0.0.1:$N2/admin/cluster"
echo
echo
echo "demo finished; stopping everything it started"
