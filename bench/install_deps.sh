#!/usr/bin/env bash
# Installs what the bench/ scripts need from Debian's packages (run as root).
# wrk: load generator; nginx-light: HTTP baseline; sqlite3 + libsqlite3-dev:
# schema dump and the raw-SQLite baseline; libbenchmark-dev: C++ microbenchmarks.
set -euo pipefail
pkgs=(wrk nginx-light sqlite3 libsqlite3-dev libbenchmark-dev jq g++ time)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]} == 0)); then echo "bench deps already installed"; exit 0; fi
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
