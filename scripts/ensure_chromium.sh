#!/usr/bin/env bash
# Make sure a Chrome or Chromium is there for chart exports (kaleido) and browser tests.
# Installs Debian's chromium with apt-get when none is found and apt-get can be used.
set -u
for candidate in "${BROWSER_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser \
                 /usr/bin/google-chrome /usr/bin/google-chrome-stable; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then exit 0; fi
done
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "Installing Debian's chromium (needed for chart exports and browser tests)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null && exit 0
  echo "Could not install chromium with apt-get." >&2
  exit 1
fi
echo "No Chrome or Chromium found. Install one (Debian/Ubuntu: sudo apt-get install chromium)" >&2
echo "or set BROWSER_PATH; chart image exports need it. The dashboard works without it." >&2
exit 0
