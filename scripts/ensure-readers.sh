#!/bin/sh
# Make sure the Debian programs the readers call are installed (idempotent; needs root,
# or sudo, only when something is missing):
#   tesseract-ocr + tesseract-ocr-vie  OCR of scanned PDFs and page images (search/ingest/readers/ocr.py)
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

# shellcheck disable=SC2086  # the package list is meant to split
sh "$(dirname "$0")/apt-install.sh" $PACKAGES
echo "ensure-readers: installed$PACKAGES"
