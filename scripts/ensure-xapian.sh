#!/bin/sh
# Make sure Debian's xapian-tools (xapian-tcpsrv, xapian-replicate, xapian-replicate-server)
# are installed, for the Xapian cluster and tests/test_cluster.py. Idempotent: does nothing
# when they are there. Installing needs root (apt-get update first, in apt-install.sh).
# The servers come from Debian (GPL-2+, like the bindings): only `make test` and a cluster
# deployment install them; `make run` never does.
set -eu

missing=""
for tool in xapian-tcpsrv xapian-replicate xapian-replicate-server; do
    command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done

if [ -z "$missing" ]; then
    echo "ensure-xapian: xapian-tools already installed ($(xapian-tcpsrv --version 2>/dev/null | head -n 1 || echo 'version unknown'))"
    exit 0
fi

echo "ensure-xapian:$missing missing"
sh "$(dirname "$0")/apt-install.sh" xapian-tools

for tool in xapian-tcpsrv xapian-replicate xapian-replicate-server; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "ensure-xapian: apt-get finished but $tool is still missing" >&2
        exit 1
    fi
done
echo "ensure-xapian: installed $(xapian-tcpsrv --version 2>/dev/null | head -n 1 || echo xapian-tools)"
