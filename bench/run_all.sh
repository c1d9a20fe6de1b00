#!/usr/bin/env bash
# Generate the mailbox once, then run every benchmark against deskterm and notmuch.
# Usage: bench/run_all.sh            (N=100000)
#        N=10000 bench/run_all.sh    (quick run)
set -euo pipefail
cd "$(dirname "$0")/.."
export N="${N:-100000}"
PY=.venv/bin/python
command -v notmuch >/dev/null || { echo "notmuch missing: apt-get install -y notmuch python3-notmuch2" >&2; exit 2; }
echo "== generate N=$N"; $PY bench/mailgen.py
echo "== import";   $PY bench/bench_import.py
echo "== search";   $PY bench/bench_search.py
echo "== tickets";  $PY bench/bench_tickets.py
echo "== orders";   $PY bench/orders.py   # marketplace orders (issue 13); exits 1 while a target is missed
