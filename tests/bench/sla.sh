#!/usr/bin/env bash
# The SLA monitor benchmark behind BENCHMARKS.md: 1,000,000 open tickets with running
# targets, then monitor ticks with nothing due and with 100 and 1,000 due.
#   SLA_BENCH_DATABASE_URL (default postgres://postgres:postgres@127.0.0.1:5432/ticketing_sla_bench)
#   RESEED=1 recreates the database (about six minutes).
set -euo pipefail
cd "$(dirname "$0")/../.."
url=${SLA_BENCH_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/ticketing_sla_bench}
target=${CARGO_TARGET_DIR:-target}

cargo build --release --bin ticket-api --bin ticket-worker
if [ "${RESEED:-0}" = 1 ] || ! psql -qtA "$url" -c "SELECT count(*) FROM ticket_slas" >/dev/null 2>&1; then
    BENCH_DATABASE_URL="$url" RESEED=1 tests/bench/seed.sh
    time psql -q "$url" -f tests/bench/sla_seed.sql
fi
DATABASE_URL="$url" TICKET__LOG__LEVEL=warn "$target/release/ticket-api" migrate
# Leftovers of an earlier run: push everything due back into the future.
psql -q "$url" -c "UPDATE ticket_slas SET next_deadline = (now() AT TIME ZONE 'UTC') + INTERVAL '1 day', claimed_until = NULL
                   WHERE next_deadline <= (now() AT TIME ZONE 'UTC') OR next_deadline IS NULL"
psql -qtA "$url" -c "SELECT 'open tickets with running targets: ' || count(*) FROM ticket_slas WHERE next_deadline IS NOT NULL"

tick() {
    DATABASE_URL="$url" TICKET__LOG__LEVEL=warn TICKET__WORKER__SLA_BATCH=1000 \
        "$target/release/ticket-worker" tick sla "$@"
}
echo "== nothing due: 20 ticks"
tick --repeat 20
echo "== the claim query's plan with nothing due"
psql -qtA "$url" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT ticket_id FROM ticket_slas
    WHERE next_deadline <= (now() AT TIME ZONE 'UTC') AND (claimed_until IS NULL OR claimed_until < (now() AT TIME ZONE 'UTC'))
    ORDER BY next_deadline LIMIT 1000 FOR UPDATE SKIP LOCKED"
for n in 100 1000 100 1000 1000; do
    psql -q "$url" -v n="$n" -f tests/bench/sla_make_due.sql
    echo "== $n due"
    tick
done
