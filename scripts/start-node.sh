#!/usr/bin/env bash
# Starts one Yugong node in the foreground, for operators.
#
#   YUGONG_MASTER_KEY=... YUGONG_ADMIN_KEY=... scripts/start-node.sh
#
# Every setting is a YUGONG_* environment variable (see README.md, "Settings"); a properties
# file named by YUGONG_CONFIG may hold them instead. JAVA_OPTS passes JVM options (heap, GC).
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=${YUGONG_JAR:-target/yugong.jar}
if [ ! -f "$JAR" ]; then
  echo "$JAR not found; build it with: mvn -B -DskipTests package" >&2
  exit 1
fi
if [ -z "${YUGONG_MASTER_KEY:-}" ] && [ -z "${YUGONG_CONFIG:-}" ]; then
  echo "YUGONG_MASTER_KEY is not set. Make one once and keep it safe (every node needs the same):" >&2
  echo "  export YUGONG_MASTER_KEY=\$(openssl rand -base64 32)" >&2
  exit 2
fi
# Hazelcast runs faster with access to these JDK internals.
exec java ${JAVA_OPTS:--Xms256m -Xmx768m} \
  --add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
  --add-opens java.management/sun.management=ALL-UNNAMED \
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED \
  -jar "$JAR" node
