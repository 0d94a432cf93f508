#!/usr/bin/env bash
# The escalation and notification loops' benchmark behind BENCHMARKS.md, on the SLA
# benchmark's database (1,000,000 open tickets with running targets; `just bench-sla`
# seeds it): the upgrade's migrations, escalation ticks with nothing due and with 1,000
# due, then notification ticks over 1,000,000 sent notifications with 10,000 pending and
# 10,000 outbox events to plan, sent through the log channel (no network), and idle again.
#   SLA_BENCH_DATABASE_URL (default postgres://postgres:postgres@127.0.0.1:5432/ticketing_sla_bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
url=${SLA_BENCH_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/ticketing_sla_bench}
target=${CARGO_TARGET_DIR:-target}
log_dir=$(mktemp -d)

cargo build --release --bin ticket-api --bin ticket-worker
psql -qtA "$url" -c "SELECT 'open tickets: ' || count(*) FROM tickets WHERE status NOT IN ('resolved', 'closed')"
echo "== migrate (an upgrade marks every open ticket due a look and the old outbox processed)"
time DATABASE_URL="$url" TICKET__LOG__LEVEL=warn "$target/release/ticket-api" migrate

run() {
    DATABASE_URL="$url" TICKET__LOG__LEVEL=warn TICKET__NOTIFY__LOG_FILE="$log_dir/notifications.log" \
        TICKET__WORKER__ESCALATION_BATCH=200 TICKET__WORKER__NOTIFY_BATCH=50 TICKET__WORKER__NOTIFY_PLAN_BATCH=200 \
        "$target/release/ticket-worker" "$@"
}
# As if the loop had looked at every ticket already: nothing due.
psql -q "$url" -c "UPDATE tickets SET escalation_check_at = NULL, escalation_claimed_until = NULL"
psql -q "$url" -c "DELETE FROM escalation_firings; DELETE FROM escalation_rules"
psql -q "$url" -c "INSERT INTO escalation_rules (name, active, conditions, actions, created_at, updated_at) VALUES
    ('resolution at risk', true, '[{\"type\":\"sla\",\"target\":\"resolution\",\"trouble\":\"at_risk\"}]',
     '[{\"type\":\"raise_level\"}]', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')"
psql -q "$url" -c "VACUUM ANALYZE tickets"
echo "== escalation: nothing due, 20 ticks"
run tick escalation --repeat 20
echo "== the check claim's plan with nothing due"
psql -qtA "$url" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT id FROM tickets
    WHERE escalation_check_at <= (now() AT TIME ZONE 'UTC')
      AND (escalation_claimed_until IS NULL OR escalation_claimed_until < (now() AT TIME ZONE 'UTC'))
    ORDER BY escalation_check_at LIMIT 200 FOR UPDATE SKIP LOCKED"
echo "== escalation: 1,000 tickets due a look (changed), none firing"
psql -q "$url" -c "UPDATE tickets SET escalation_check_at = now() AT TIME ZONE 'UTC'
    WHERE id IN (SELECT id FROM tickets ORDER BY random() LIMIT 1000)"
run tick escalation
echo "== escalation: 1,000 tickets whose resolution target is at risk (the rule fires on each)"
psql -q "$url" <<'SQL'
CREATE TEMP TABLE due AS SELECT ticket_id FROM ticket_sla_targets ORDER BY random() LIMIT 1000;
UPDATE ticket_sla_targets SET warn_at = (now() AT TIME ZONE 'UTC') - INTERVAL '1 minute'
    WHERE ticket_id IN (SELECT ticket_id FROM due);
UPDATE tickets SET escalation_check_at = now() AT TIME ZONE 'UTC' WHERE id IN (SELECT ticket_id FROM due);
SQL
run tick escalation
psql -qtA "$url" -c "SELECT 'escalated: ' || count(*) FROM tickets WHERE escalation_level > 0"
echo "== escalation: nothing due again, 20 ticks"
run tick escalation --repeat 20

echo "== notifications: 1,000,000 sent, 10,000 pending, 10,000 outbox events to plan"
psql -q "$url" <<'SQL'
DELETE FROM notifications;
UPDATE outbox SET processed_at = created_at WHERE processed_at IS NULL;
INSERT INTO notifications (idempotency_key, channel, address, recipient_name, template, context, status, attempts,
                           next_attempt_at, created_at, sent_at)
SELECT 'old-' || i, 'email', 'c' || i || '@example.com', 'C', 'ticket_created', '{"ticket_number":"TKT-1"}', 'sent', 1,
       (now() AT TIME ZONE 'UTC') - INTERVAL '30 days', (now() AT TIME ZONE 'UTC') - INTERVAL '30 days',
       (now() AT TIME ZONE 'UTC') - INTERVAL '30 days'
FROM generate_series(1, 1000000) AS i;
INSERT INTO notifications (idempotency_key, channel, address, recipient_name, template, context, status, attempts,
                           next_attempt_at, created_at)
SELECT 'new-' || i, 'email', 'n' || i || '@example.com', 'N', 'ticket_created',
       '{"ticket_number":"TKT-000001","ticket_subject":"Load"}', 'pending', 0, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
FROM generate_series(1, 10000) AS i;
INSERT INTO outbox (event_type, aggregate_id, payload, created_at, available_at)
SELECT 'TicketStatusChanged', t.id,
       '{"event_type":"TicketStatusChanged","ticket_id":' || t.id || ',"actor_id":null,"occurred_at":"2026-11-28T00:00:00Z","visibility":"public","details":{"from":"in_progress","to":"resolved"}}',
       now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
FROM (SELECT id FROM tickets ORDER BY id LIMIT 10000) AS t;
VACUUM ANALYZE notifications;
VACUUM ANALYZE outbox;
SQL
echo "== notify: plan and send until nothing is left"
start=$(date +%s.%N)
run tick notify --repeat 420 | awk 'NR % 20 == 1 || / taken 0,/ {print}' | head -40
end=$(date +%s.%N)
echo "notify wall time: $(echo "$end - $start" | bc) s"
psql -qtA "$url" -c "SELECT status || ': ' || count(*) FROM notifications GROUP BY status ORDER BY status"
echo "lines in the log channel's file: $(wc -l < "$log_dir/notifications.log")"
echo "== the dispatcher's claim plan with nothing due"
psql -qtA "$url" -c "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT id FROM notifications
    WHERE status = 'pending' AND next_attempt_at <= (now() AT TIME ZONE 'UTC')
      AND (lease_until IS NULL OR lease_until < (now() AT TIME ZONE 'UTC'))
    ORDER BY next_attempt_at LIMIT 50 FOR UPDATE SKIP LOCKED"
echo "== notify: idle, 20 ticks"
run tick notify --repeat 20
rm -rf "$log_dir"
