#!/bin/sh
# Install Debian packages (apt-get update first), as root or through sudo; one place for
# the scripts that make sure a program is there (ensure-chromium.sh, ensure-readers.sh).
#   sh scripts/apt-install.sh PACKAGE...
set -eu

if ! command -v apt-get >/dev/null 2>&1; then
    echo "apt-install: $* missing and apt-get is not available; install by hand" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "apt-install: installing $* needs root (run as root or install sudo)" >&2
        exit 1
    fi
fi
echo "apt-install: running apt-get update"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update
echo "apt-install: installing $* (--no-install-recommends)"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
