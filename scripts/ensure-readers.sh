#!/bin/sh
# Make sure the Debian programs the readers call are installed (idempotent; needs root,
# or sudo, only when something is missing):
#   tesseract-ocr + tesseract-ocr-vie  OCR of scanned PDFs and page images (search/ocr.py)
#   fonts-dejavu-core                  with --test: the font the tests draw their "scans" in
# Without them vnsearch still runs; only files of those kinds fail, naming the package.
set -eu

PACKAGES=""
need() { PACKAGES="$PACKAGES $1"; }

if ! command -v tesseract >/dev/null 2>&1; then
    need tesseract-ocr
    need tesseract-ocr-vie
elif ! tesseract --list-langs 2>/dev/null | grep -qx vie; then
    need tesseract-ocr-vie
fi
if [ "${1:-}" = "--test" ] && [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf ]; then
    need fonts-dejavu-core
fi

if [ -z "$PACKAGES" ]; then
    echo "ensure-readers: tesseract (with vie) already installed"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-readers: missing$PACKAGES and apt-get is not available; install them by hand" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "ensure-readers: installing$PACKAGES needs root (run as root or install sudo)" >&2
        exit 1
    fi
fi
echo "ensure-readers: installing$PACKAGES"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update
# shellcheck disable=SC2086  # the package list is meant to split
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $PACKAGES
echo "ensure-readers: installed$PACKAGES"
