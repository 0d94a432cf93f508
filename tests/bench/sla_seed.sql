-- The SLA monitor benchmark's data: every ticket of the bench database open, each with a
-- running resolution target of 20 hours (at risk at 80 %) whose warning lies 1 to 30 days
-- ahead, so nothing is due. Run after seed.sql; about two minutes.
\set ON_ERROR_STOP on
UPDATE tickets SET status = 'new', resolved_at = NULL, closed_at = NULL WHERE status <> 'new';
TRUNCATE ticket_slas CASCADE;
CREATE TEMP TABLE bench_due AS
SELECT id, (now() AT TIME ZONE 'UTC') + (1 + random() * 29) * INTERVAL '1 day' AS due
FROM tickets;
INSERT INTO ticket_slas (ticket_id, policy_id, revision, next_deadline, claimed_until)
SELECT id, NULL, 1, due - INTERVAL '4 hours', NULL FROM bench_due;
INSERT INTO ticket_sla_targets (ticket_id, kind, target_seconds, warning_percent, started_at, consumed_before,
                                running_since, due_at, warn_at, warned_at, breached_at, met_at)
SELECT id, 'resolution', 72000, 80, due - INTERVAL '20 hours', 0, due - INTERVAL '20 hours', due,
       due - INTERVAL '4 hours', NULL, NULL, NULL
FROM bench_due;
UPDATE tickets SET sla_due_at = bench_due.due FROM bench_due WHERE tickets.id = bench_due.id;
VACUUM ANALYZE tickets;
VACUUM ANALYZE ticket_slas;
VACUUM ANALYZE ticket_sla_targets;
SELECT count(*) AS open_tickets_with_targets FROM ticket_slas;
