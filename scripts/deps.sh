#!/usr/bin/env bash
# Installs what servicecard's demo and tests need on a fresh Debian machine
# with Go: Debian's ClickHouse server and client (18.16), Chromium (page
# tests), and the chDB npm package (ClickHouse 26, for the compatibility
# replay). Idempotent: installs only what is missing. With --cluster (make
# test-cluster) also Debian's zookeeper (and the Java runtime it pulls in,
# about 250 MB), which `make test` and `make demo` do not need.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi

need=()
command -v clickhouse-server >/dev/null 2>&1 || command -v clickhouse >/dev/null 2>&1 || need+=(clickhouse-server)
command -v clickhouse-client >/dev/null 2>&1 || command -v clickhouse >/dev/null 2>&1 || need+=(clickhouse-client)
if [ "${1:-}" != "--no-browser" ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
fi
if [ "${1:-}" = "--cluster" ]; then
  { [ -f /usr/share/java/zookeeper.jar ] && command -v java >/dev/null 2>&1; } || need+=(zookeeper)
fi
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "deps: installing ${need[*]} (apt-get)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -d tools/chcompat/node_modules/chdb ]; then
  echo "deps: installing chdb (npm, ClickHouse 26 embedded)"
  (cd tools/chcompat && npm install --no-audit --no-fund --loglevel=error)
fi
