#!/usr/bin/env bash
# The PostgreSQL load test behind BENCHMARKS.md (issue 17's table), in one run on one
# database: POST /tickets and a filtered GET /tickets page at concurrency 16 with wrk
# against the release ticket-api (its loops in a separate ticket-worker process, as in
# production), then pgbench running the minimal create transaction (one ticket row with a
# unique number, one history row, one outbox row, one commit) at the same concurrency.
# Prints the rate, latency, CPU per request of each process and of the whole machine, the
# ratio of the two create rates and ticket-api's peak resident memory.
#   BENCH_DATABASE_URL   (default postgres://postgres:postgres@127.0.0.1:5432/ticketing_bench;
#                        seed it with `just seed`, SEED_TICKETS=30000 for a small one)
#   BENCH_SECONDS        duration of each phase (default 30)
#   BENCH_CONCURRENCY    connections (default 16)
#   BENCH_WORKER         1 (default) runs ticket-worker's loops beside the API; 0 does not
#   BENCH_BUILD          0 skips the release build (binaries already built)
set -euo pipefail
cd "$(dirname "$0")/../.."
url=${BENCH_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/ticketing_bench}
seconds=${BENCH_SECONDS:-30}
conc=${BENCH_CONCURRENCY:-16}
port=${BENCH_PORT:-18790}
target=${CARGO_TARGET_DIR:-target}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
command -v pgbench >/dev/null || { echo "pgbench is needed: apt-get install postgresql-client"; exit 1; }

[ "${BENCH_BUILD:-1}" = 0 ] || cargo build --release --bin ticket-api --bin ticket-worker
work=$(mktemp -d)
base="http://127.0.0.1:$port"
api="$base/api/v1"
export DATABASE_URL="$url" TICKET__LOG__LEVEL=warn
TICKET__HTTP__BIND="127.0.0.1:$port" \
TICKET__DATABASE__MAX_CONNECTIONS="$conc" \
TICKET__BOOTSTRAP__ADMIN_EMAIL=bench-admin@example.com \
TICKET__BOOTSTRAP__ADMIN_PASSWORD='bench admin password' \
TICKET__WORKER__EMBEDDED=false \
    "$target/release/ticket-api" >"$work/server.log" 2>&1 &
server=$!
worker=
trap 'kill $server $worker 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.2; done
if [ "${BENCH_WORKER:-1}" = 1 ]; then
    TICKET__WORKER__HEALTH_BIND="127.0.0.1:$((port + 1))" "$target/release/ticket-worker" >"$work/worker.log" 2>&1 &
    worker=$!
fi

# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh
bench_accounts
tickets_before=$(psql -qtA "$url" -c "SELECT count(*) FROM tickets")
echo "tickets in the database: $tickets_before; ticket-api resident after start: $(rss) KiB"

echo "== warm-up (5 s each)"
BENCH_TOKEN=$customer wrk -t2 -c"$conc" -d5s -s tests/bench/create_ticket.lua "$base" >/dev/null
BENCH_TOKEN=$agent wrk -t2 -c"$conc" -d5s -s tests/bench/list_tickets.lua "$base" >/dev/null
sleep 2

echo "== POST /api/v1/tickets, $conc connections, ${seconds}s"
measure "POST /api/v1/tickets" "$work/cpu.create" sh -c "BENCH_TOKEN=$customer exec wrk -t2 -c$conc -d${seconds}s --latency -s tests/bench/create_ticket.lua $base > $work/create.txt"
create_hwm=$(hwm)
sleep 2
echo "== GET /api/v1/tickets (filtered first page), $conc connections, ${seconds}s"
measure "GET /api/v1/tickets (filtered page)" "$work/cpu.list" sh -c "BENCH_TOKEN=$agent exec wrk -t2 -c$conc -d${seconds}s --latency -s tests/bench/list_tickets.lua $base > $work/list.txt"
sleep 2
echo "== pgbench: the minimal create transaction, $conc clients, ${seconds}s"
mkdir -p "$work/pgbench"
measure "pgbench (minimal create transaction)" "$work/cpu.pgbench" sh -c "cd $work/pgbench && exec pgbench -n -M prepared -c $conc -j 2 -T $seconds -l \
    -D customer_id=$customer_id -f $PWD/tests/bench/minimal_create.pgbench '$url' > $work/pgbench.txt"
pg_line=$(python3 - "$work/pgbench" "$work/pgbench.txt" <<'PY'
import glob, re, sys
lat = []
for f in glob.glob(sys.argv[1] + "/pgbench_log.*"):
    for line in open(f):
        lat.append(int(line.split()[2]) / 1000)
lat.sort()
text = open(sys.argv[2]).read()
tps = float(re.search(r"tps = ([\d.]+)", text).group(1))
failed = re.search(r"number of failed transactions: (\d+)", text)
q = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))]
print(f"pgbench (minimal create transaction)|{tps:.0f}|{q(0.5):.2f}|{q(0.99):.2f}|{len(lat)}|{failed.group(1) if failed else 0}|none")
PY
)
create_line=$(parse_wrk "$work/create.txt" "POST /api/v1/tickets")
list_line=$(parse_wrk "$work/list.txt" "GET /api/v1/tickets (filtered page)")
tickets_after=$(psql -qtA "$url" -c "SELECT count(*) FROM tickets")

echo
echo "| workload | req/s | p50 ms | p99 ms | requests | non-2xx / failed | socket errors |"
echo "|---|---|---|---|---|---|---|"
for l in "$create_line" "$list_line" "$pg_line"; do echo "| ${l//|/ | } |"; done
echo
echo "CPU milliseconds per request during each ${seconds}s phase (the machine's whole busy time, and each party's):"
cpu_table "create:$create_line" "list:$list_line" "pgbench:$pg_line"
api_rps=$(echo "$create_line" | cut -d'|' -f2); pg_tps=$(echo "$pg_line" | cut -d'|' -f2)
echo
echo "POST /tickets rate / minimal transaction rate: $(echo "scale=2; $api_rps / $pg_tps" | bc)"
echo "ticket-api peak resident memory: $((create_hwm / 1024)) MiB through the create phase, $(($(hwm) / 1024)) MiB at the end."
echo "tickets: $tickets_before before, $tickets_after after; $(nproc) cores; load average at the end $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
