-- Which escalation rule fired for which trigger of which ticket: the primary key makes a
-- rule fire once per trigger, also with several workers (the change set that escalates
-- carries the row). No foreign key to the rule: a deleted rule's firings stay on record.
-- Kept logically identical in migrations/postgres and migrations/sqlite.
CREATE TABLE escalation_firings (
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    rule_id   BIGINT NOT NULL,
    trigger_key TEXT NOT NULL,
    fired_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (ticket_id, rule_id, trigger_key)
);
