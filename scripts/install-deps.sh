#!/usr/bin/env bash
# Installs what unisono needs to build, test and benchmark on Debian 12, skipping
# what is already there. Safe to run again.
set -euo pipefail

packages=(
  g++ cmake ninja-build make pkg-config ccache
  libboost1.81-dev libboost-json1.81-dev libsimdjson-dev libcli11-dev libfmt-dev libspdlog-dev
  libtomlplusplus-dev libsqlite3-dev zlib1g-dev libgtest-dev libgmock-dev libbenchmark-dev
  libeigen3-dev libyaml-cpp-dev libcurl4-openssl-dev libhowardhinnant-date-dev tzdata
  libkainjow-mustache-dev libssl-dev python3-aiosmtpd
  sqlite3 curl ca-certificates
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js runs the vendor-SDK tests (Segment, RudderStack); any Node >= 18 will do.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if (( ${#missing[@]} )); then
  echo "installing: ${missing[*]}"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
