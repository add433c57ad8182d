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
