# Shared helpers of Yugong's scripts. Source it; do not run it.

# Prints the first free TCP port on 127.0.0.1 at or above $1.
free_port() {
  local p=$1
  while (exec 3<>/dev/tcp/127.0.0.1/"$p") 2>/dev/null; do
    p=$((p + 1))
  done
  echo "$p"
}

# Waits until a URL answers 200, up to $2 seconds (default 60).
wait_http() {
  local url=$1 limit=${2:-60} i=0
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -ge $((limit * 10)) ]; then
      echo "timed out waiting for $url" >&2
      return 1
    fi
    sleep 0.1
  done
}

# Base64 of 32 random bytes.
random_master_key() {
  head -c 32 /dev/urandom | base64 | tr -d '\n'
}

# Extracts a string field from a one-level JSON text: json_field TEXT FIELD
json_field() {
  printf '%s' "$1" | sed -n "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p"
}

# Builds target/yugong.jar unless it is already there and newer than the sources.
ensure_jar() {
  if [ ! -f target/yugong.jar ] || [ -n "$(find src pom.xml -newer target/yugong.jar -print -quit)" ]; then
    echo "building target/yugong.jar ..."
    mkdir -p data/logs
    if ! mvn -B -Dstyle.color=never -DskipTests package >data/logs/build.log 2>&1; then
      tail -40 data/logs/build.log >&2
      echo "the build failed; the whole log is in data/logs/build.log" >&2
      exit 1
    fi
  fi
}

# Starts a local redis-server with data under ./data (AOF on; files named after $1, default
# "demo") unless YUGONG_REDIS is set; sets YUGONG_REDIS and REDIS_PID.
ensure_redis() {
  local name=${1:-demo}
  if [ -n "${YUGONG_REDIS:-}" ]; then
    return 0
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    cat >&2 <<'MSG'
redis-server was not found, and YUGONG_REDIS is not set.
Install Redis:  sudo apt-get install redis-server   (Debian/Ubuntu)
                brew install redis                  (macOS)
or point Yugong at an existing Redis:  export YUGONG_REDIS=redis://HOST:6379
MSG
    exit 1
  fi
  local port
  port=$(free_port 6390)
  mkdir -p "data/redis-$name"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$PWD/data/redis-$name" --appendonly yes \
    --save "" --daemonize no >"data/redis-$name.log" 2>&1 &
  REDIS_PID=$!
  local i=0
  until redis-cli -p "$port" ping >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -ge 100 ]; then
      echo "redis-server did not start; see data/redis-$name.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  export YUGONG_REDIS="redis://127.0.0.1:$port"
  echo "redis:        $YUGONG_REDIS (data in ./data/redis-$name, AOF on)"
}

# need COMMAND PACKAGE: the command, installed with apt-get when root may, else a message and exit 1.
need() {
  command -v "$1" >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing $2 ..."
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >/dev/null
  else
    echo "$1 is needed: sudo apt-get install $2" >&2
    exit 1
  fi
}

# start_lone_node NAME UPSTREAM_URL PORT_BASE CLUSTER_PORT_BASE LOG [JVM flags...]: one Yugong node
# (target/yugong.jar) in a cluster of its own, with fresh master and admin keys; sets NODE_PORT and
# NODE_PID (also added to the caller's PIDS, which its cleanup kills), exports YUGONG_ADMIN_KEY,
# and waits until the node is ready.
start_lone_node() {
  local name=$1 upstream=$2 port_base=$3 cluster_base=$4 log=$5
  shift 5
  export YUGONG_MASTER_KEY=$(random_master_key)
  export YUGONG_ADMIN_KEY=sk-admin-$name-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
  export YUGONG_CLUSTER_NAME=yugong-$name-$$
  NODE_PORT=$(free_port "$port_base")
  local cluster_port
  cluster_port=$(free_port "$cluster_base")
  YUGONG_UPSTREAM="$upstream" YUGONG_PORT=$NODE_PORT YUGONG_CLUSTER_PORT=$cluster_port \
    YUGONG_CLUSTER_MEMBERS="127.0.0.1:$cluster_port" YUGONG_CLUSTER_HOST=127.0.0.1 \
    java "$@" --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
    -jar target/yugong.jar node >"$log" 2>&1 &
  NODE_PID=$!
  PIDS+=("$NODE_PID")
  wait_http "http://127.0.0.1:$NODE_PORT/ready" 300
}
