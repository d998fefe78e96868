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

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available; install chromium by hand" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "ensure-chromium: installing chromium needs root (run as root or install sudo)" >&2
        exit 1
    fi
fi

echo "ensure-chromium: $CHROMIUM missing; running apt-get update"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update
echo "ensure-chromium: installing chromium (--no-install-recommends)"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

if [ ! -x "$CHROMIUM" ]; then
    echo "ensure-chromium: apt-get finished but $CHROMIUM is still missing" >&2
    exit 1
fi
echo "ensure-chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
