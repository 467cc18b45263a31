#!/usr/bin/env bash
# Make sure a Chrome or Chromium is there for chart exports (kaleido) and browser tests.
# Installs Debian's chromium with apt-get when none is found and apt-get can be used.
# Never fails: the dashboard works without a browser (chart image exports then say how to
# enable them, and the browser tests are skipped). BROWSER_CANDIDATES (space-separated)
# replaces the places looked at, which is how the test suite hides the browser.
set -u
candidates=${BROWSER_CANDIDATES-"/usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome /usr/bin/google-chrome-stable"}
for candidate in "${BROWSER_PATH:-}" $candidates; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then exit 0; fi
done
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "Installing Debian's chromium for chart image exports (a minute or two, once)..."
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq chromium >/dev/null; then
    echo "Chromium installed."
    exit 0
  fi
  echo "Could not install chromium with apt-get: the dashboard works without it, but chart" >&2
  echo "image exports stay off until a Chrome or Chromium is installed (or BROWSER_PATH set)." >&2
  exit 0
fi
echo "No Chrome or Chromium found. The dashboard works without it; chart image exports stay" >&2
echo "off until one is installed (Debian/Ubuntu: sudo apt-get install chromium) or" >&2
echo "BROWSER_PATH names one." >&2
exit 0
