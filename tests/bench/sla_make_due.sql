-- Makes :n random tickets' warnings due now (their targets started 17 of 20 hours ago).
\set ON_ERROR_STOP on
CREATE TEMP TABLE pick AS
SELECT ticket_id FROM ticket_slas WHERE next_deadline > now() AT TIME ZONE 'UTC'
ORDER BY random() LIMIT :n;
UPDATE ticket_sla_targets t
SET started_at = (now() AT TIME ZONE 'UTC') - INTERVAL '17 hours',
    running_since = (now() AT TIME ZONE 'UTC') - INTERVAL '17 hours',
    warn_at = (now() AT TIME ZONE 'UTC') - INTERVAL '1 hour',
    due_at = (now() AT TIME ZONE 'UTC') + INTERVAL '3 hours'
FROM pick WHERE t.ticket_id = pick.ticket_id;
UPDATE ticket_slas s SET next_deadline = (now() AT TIME ZONE 'UTC') - INTERVAL '1 hour'
FROM pick WHERE s.ticket_id = pick.ticket_id;
