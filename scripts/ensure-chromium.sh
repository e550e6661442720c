#!/usr/bin/env bash
# Installs Debian's `chromium` when it is missing: the browser tests (operator console, browser
# wallet) drive it with playwright-core, which brings no browser of its own.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: chromium is missing and there is no apt-get; install chromium with this system's package manager" >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
echo "ensure-chromium: installing chromium"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-liberation
command -v chromium >/dev/null 2>&1 || { echo "ensure-chromium: chromium installed, but not found on PATH" >&2; exit 1; }
