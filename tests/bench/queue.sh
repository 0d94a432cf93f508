#!/usr/bin/env bash
# The assignment queue benchmark behind BENCHMARKS.md: 10,000 queued tickets and 200
# online agents (capacity 50 each, two skills, 200,000 closed tickets of past work), then
# queue ticks with no room anywhere (idle), until the queue is drained, and idle again.
#   QUEUE_BENCH_DATABASE_URL (default postgres://postgres:postgres@127.0.0.1:5432/ticketing_queue_bench)
#   QUEUE_BENCH_WORKER: the ticket-worker binary to measure (default: the release build;
#   another build's binary to compare before and after on one machine)
set -euo pipefail
cd "$(dirname "$0")/../.."
url=${QUEUE_BENCH_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/ticketing_queue_bench}
admin_url=${url%/*}/postgres
db=${url##*/}
target=${CARGO_TARGET_DIR:-target}
worker=${QUEUE_BENCH_WORKER:-$target/release/ticket-worker}

cargo build --release --bin ticket-api --bin ticket-worker
psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $db"
psql -q "$admin_url" -c "CREATE DATABASE $db"
DATABASE_URL="$url" TICKET__LOG__LEVEL=warn "$target/release/ticket-api" migrate
time psql -q "$url" -f tests/bench/queue_seed.sql

tick() {
    DATABASE_URL="$url" TICKET__LOG__LEVEL=warn TICKET__WORKER__QUEUE_BATCH=200 \
        "$worker" tick queue "$@"
}
echo "== the queue query's plan (one category, 200 places)"
psql -qtA "$url" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT id FROM tickets
    WHERE tickets.status = 'new' AND tickets.assignee_id IS NULL AND category = 'billing'
    ORDER BY priority DESC, sla_due_at IS NULL, sla_due_at, created_at, id LIMIT 200"
echo "== idle: every agent at capacity 0, 20 ticks"
psql -q "$url" -c "UPDATE agent_profiles SET capacity = 0"
tick --repeat 20
echo "== drain: capacity 50 each (10,000 places), batches of 200"
psql -q "$url" -c "UPDATE agent_profiles SET capacity = 50"
start=$(date +%s.%N)
tick --repeat 55
end=$(date +%s.%N)
echo "drain wall time: $(echo "$end - $start" | bc) s"
psql -qtA "$url" -c "SELECT 'still queued: ' || count(*) FROM tickets WHERE status = 'new'"
psql -qtA "$url" -c "SELECT 'most open per agent: ' || max(n) || ', fewest: ' || min(n) FROM
    (SELECT assignee_id, count(*) AS n FROM tickets WHERE status = 'assigned' GROUP BY assignee_id) x"
load_plan() {
    # The array form the adapter sends (`= ANY($1)`, the online agents' ids bound).
    psql -qtA "$url" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT assignee_id, priority, count(*) FROM tickets
        WHERE assignee_id = ANY(ARRAY(SELECT user_id FROM agent_profiles WHERE availability = 'online'))
          AND tickets.status IN ('assigned', 'in_progress', 'waiting_customer') GROUP BY assignee_id, priority"
}
echo "== idle after the drain, right after it: 20 ticks, and the load query's plan"
tick --repeat 20
load_plan
echo "== idle after the drain, after VACUUM ANALYZE: 20 ticks, and the load query's plan"
psql -q "$url" -c "VACUUM ANALYZE tickets"
tick --repeat 20
load_plan
