#!/usr/bin/env bash
# The embedded default's load test behind BENCHMARKS.md (issue 17): the release
# ticket-api on a SQLite file in single-node mode (its worker loops running in the same
# process), POST /tickets and then a mix of filtered pages and searches
# (pages_and_searches.lua) at concurrency 16 with wrk. Prints the rate, latency, CPU per
# request and ticket-api's peak resident memory.
#   SQLITE_BENCH_DATABASE_URL (default sqlite://data/bench-100k.db; `just seed-sqlite`
#                             with SEED_TICKETS=100000 makes it)
#   BENCH_SECONDS        duration of each phase (default 30)
#   BENCH_CONCURRENCY    connections (default 16)
#   BENCH_BUILD          0 skips the release build (binaries already built)
set -euo pipefail
cd "$(dirname "$0")/../.."
url=${SQLITE_BENCH_DATABASE_URL:-sqlite://data/bench-100k.db}
seconds=${BENCH_SECONDS:-30}
conc=${BENCH_CONCURRENCY:-16}
port=${BENCH_PORT:-18792}
target=${CARGO_TARGET_DIR:-target}
path=${url#sqlite://}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
[ -f "$path" ] || { echo "no database at $path: run SEED_TICKETS=100000 SQLITE_BENCH_DATABASE_URL=$url just seed-sqlite"; exit 1; }

[ "${BENCH_BUILD:-1}" = 0 ] || cargo build --release --bin ticket-api
work=$(mktemp -d)
base="http://127.0.0.1:$port"
api="$base/api/v1"
DATABASE_URL="$url" \
TICKET__LOG__LEVEL=warn \
TICKET__HTTP__BIND="127.0.0.1:$port" \
TICKET__BOOTSTRAP__ADMIN_EMAIL=bench-admin@example.com \
TICKET__BOOTSTRAP__ADMIN_PASSWORD='bench admin password' \
TICKET__WORKER__EMBEDDED=true \
TICKET__WORKER__HEALTH_BIND="127.0.0.1:$((port + 1))" \
    "$target/release/ticket-api" >"$work/server.log" 2>&1 &
server=$!
worker=
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.2; done

# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh
pg_cpu() { echo 0; } # no PostgreSQL here (and another one's work must not count)
bench_accounts
tickets_before=$(sqlite3 "$path" "SELECT count(*) FROM tickets")
echo "tickets in the database: $tickets_before; ticket-api resident after start: $(rss) KiB"

echo "== warm-up (5 s each)"
BENCH_TOKEN=$customer wrk -t2 -c"$conc" -d5s -s tests/bench/create_ticket.lua "$base" >/dev/null
BENCH_TOKEN=$agent wrk -t2 -c"$conc" -d5s -s tests/bench/pages_and_searches.lua "$base" >/dev/null
sleep 2

echo "== POST /api/v1/tickets, $conc connections, ${seconds}s"
measure "POST /api/v1/tickets" "$work/cpu.create" sh -c "BENCH_TOKEN=$customer exec wrk -t2 -c$conc -d${seconds}s --latency -s tests/bench/create_ticket.lua $base > $work/create.txt"
create_hwm=$(hwm)
sleep 2
echo "== pages and searches, $conc connections, ${seconds}s"
measure "GET /api/v1/tickets (pages and searches)" "$work/cpu.reads" sh -c "BENCH_TOKEN=$agent exec wrk -t2 -c$conc -d${seconds}s --latency -s tests/bench/pages_and_searches.lua $base > $work/reads.txt"
create_line=$(parse_wrk "$work/create.txt" "POST /api/v1/tickets")
reads_line=$(parse_wrk "$work/reads.txt" "GET /api/v1/tickets (pages and searches)")
tickets_after=$(sqlite3 "$path" "SELECT count(*) FROM tickets")

echo
echo "| workload | req/s | p50 ms | p99 ms | requests | non-2xx | socket errors |"
echo "|---|---|---|---|---|---|---|"
for l in "$create_line" "$reads_line"; do echo "| ${l//|/ | } |"; done
echo
echo "CPU milliseconds per request during each ${seconds}s phase (the worker loops run inside ticket-api):"
cpu_table "create:$create_line" "reads:$reads_line"
echo
echo "ticket-api peak resident memory: $((create_hwm / 1024)) MiB through the create phase, $(($(hwm) / 1024)) MiB at the end."
echo "tickets: $tickets_before before, $tickets_after after; $(nproc) cores; load average at the end $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
