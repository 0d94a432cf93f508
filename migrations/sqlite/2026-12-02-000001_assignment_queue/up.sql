-- The assignment queue and agents' loads, read through indexes so that the queue loop's
-- cost follows the work it can do: the queue (tickets waiting without an agent) per
-- category in serving order, the open assigned tickets per agent (closed work is never
-- read when counting a load), and first responses for the workload window. Kept
-- logically identical in migrations/postgres and migrations/sqlite.
CREATE INDEX tickets_queue ON tickets (category, priority DESC, (sla_due_at IS NULL), sla_due_at, created_at, id)
    WHERE status = 'new' AND assignee_id IS NULL;
CREATE INDEX tickets_open_by_assignee ON tickets (assignee_id, priority)
    WHERE status IN ('assigned', 'in_progress', 'waiting_customer');
CREATE INDEX tickets_first_response ON tickets (first_response_at)
    WHERE first_response_at IS NOT NULL;
