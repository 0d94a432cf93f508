-- Replaces the ticket_sla_targets table of 2026-11-29-000003, which nothing had written
-- yet. Each ticket under a policy gets one ticket_slas row: its revision guards concurrent
-- writers (a ticket command and the monitor, or two monitors) so a warning or breach is
-- recorded once; the monitor finds due tickets through next_deadline and leases them with
-- claimed_until. The ticket itself carries its earliest running due instant for lists.
-- Kept logically identical to migrations/sqlite.
DROP TABLE ticket_sla_targets;
CREATE TABLE ticket_slas (
    ticket_id     BIGINT PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    policy_id     BIGINT REFERENCES sla_policies (id) ON DELETE SET NULL,
    revision      BIGINT NOT NULL,
    -- The next instant the monitor must look at this ticket; NULL when nothing is due.
    next_deadline TIMESTAMP,
    -- A monitor is working on it until then; an expired lease is claimed again.
    claimed_until TIMESTAMP
);
CREATE INDEX ticket_slas_next_deadline ON ticket_slas (next_deadline) WHERE next_deadline IS NOT NULL;
CREATE TABLE ticket_sla_targets (
    ticket_id       BIGINT NOT NULL REFERENCES ticket_slas (ticket_id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('first_response', 'next_response', 'resolution')),
    target_seconds  BIGINT NOT NULL,
    warning_percent SMALLINT NOT NULL,
    started_at      TIMESTAMP NOT NULL,
    consumed_before BIGINT NOT NULL,
    running_since   TIMESTAMP,
    due_at          TIMESTAMP,
    warn_at         TIMESTAMP,
    warned_at       TIMESTAMP,
    breached_at     TIMESTAMP,
    met_at          TIMESTAMP,
    PRIMARY KEY (ticket_id, kind)
);
ALTER TABLE tickets ADD COLUMN sla_due_at TIMESTAMP;
CREATE INDEX tickets_sla_due_at ON tickets (sla_due_at, id) WHERE sla_due_at IS NOT NULL;
