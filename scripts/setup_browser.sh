#!/usr/bin/env bash
# Set-up for `footseg demo` and its browser tests: Debian's chromium (the tests drive it with
# Playwright against the system browser; no browser download) and the pinned npm packages
# (package.json + package-lock.json -> node_modules/@litertjs/core, served by `footseg demo`).
# A step that cannot run is reported and skipped: the browser tests then skip with the reason.
set -uo pipefail
cd "$(dirname "$0")/.."

if command -v chromium >/dev/null 2>&1; then
  echo "setup_browser: $(chromium --version 2>/dev/null | head -1)"
elif command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo -n"
  if $SUDO apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium >/dev/null; then
    echo "setup_browser: installed $(chromium --version 2>/dev/null | head -1)"
  else
    echo "setup_browser: could not install chromium with apt-get; the browser tests will be skipped" >&2
  fi
else
  echo "setup_browser: no chromium and no apt-get; the browser tests will be skipped" >&2
fi

if command -v npm >/dev/null 2>&1; then
  if npm ci --no-audit --no-fund --loglevel=error; then
    echo "setup_browser: npm packages installed ($(node -p 'require("./node_modules/@litertjs/core/package.json").version' 2>/dev/null) @litertjs/core)"
  else
    echo "setup_browser: npm ci failed; the browser tests will be skipped" >&2
  fi
else
  echo "setup_browser: npm not found (apt-get install npm); footseg demo and the browser tests need it" >&2
fi
exit 0
