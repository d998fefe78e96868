#!/bin/sh
# Make sure Debian's chromium is installed at /usr/bin/chromium, for tests/test_browser.py.
# Idempotent: does nothing when it is already there. Installing needs root (apt-get).
# We use Debian's package rather than `playwright install` so the browser comes from the
# distribution (signed, updated with the system) and no extra download is needed.
set -eu

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    echo "ensure-chromium: $CHROMIUM already installed ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi

echo "ensure-chromium: $CHROMIUM missing"
sh "$(dirname "$0")/apt-install.sh" chromium

if [ ! -x "$CHROMIUM" ]; then
    echo "ensure-chromium: apt-get finished but $CHROMIUM is still missing" >&2
    exit 1
fi
echo "ensure-chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
