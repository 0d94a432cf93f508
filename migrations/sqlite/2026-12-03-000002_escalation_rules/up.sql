-- Admin-defined escalation rules: exactly one trigger and any filters (conditions), and
-- what the rule does (actions), each a JSON array in the adapter's stored form
-- (crates/adapters-db/src/escalation.rs). Kept logically identical in migrations/postgres
-- and migrations/sqlite.
CREATE TABLE escalation_rules (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    active     BOOLEAN NOT NULL,
    conditions TEXT NOT NULL,
    actions    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
