#!/usr/bin/env bash
# Installs SoftHSM2 (Debian's `softhsm2`) when it is missing: the PKCS#11 tests of the region's keys
# run against it. Each test run makes its own token in a temporary folder; nothing is set up here.
set -euo pipefail

module_present() {
  for path in /usr/lib/softhsm/libsofthsm2.so /usr/lib/*-linux-gnu/softhsm/libsofthsm2.so; do
    [ -e "$path" ] && return 0
  done
  return 1
}

if command -v softhsm2-util >/dev/null 2>&1 && module_present; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-softhsm: SoftHSM2 is missing and there is no apt-get; install softhsm2 with this system's package manager" >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
echo "ensure-softhsm: installing softhsm2"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends softhsm2
module_present || { echo "ensure-softhsm: softhsm2 installed, but libsofthsm2.so was not found" >&2; exit 1; }
