DROP INDEX tickets_sla_due_at;
ALTER TABLE tickets DROP COLUMN sla_due_at;
DROP TABLE ticket_sla_targets;
DROP TABLE ticket_slas;
CREATE TABLE ticket_sla_targets (
    ticket_id       BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('first_response', 'next_response', 'resolution')),
    policy_id       BIGINT REFERENCES sla_policies (id) ON DELETE SET NULL,
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
    -- The next instant the monitor must look at this target; NULL when nothing is due.
    next_deadline   TIMESTAMP,
    PRIMARY KEY (ticket_id, kind)
);
CREATE INDEX ticket_sla_targets_due ON ticket_sla_targets (next_deadline) WHERE next_deadline IS NOT NULL;
