-- How many times a ticket was escalated (by a person or a rule). Kept logically identical
-- in migrations/postgres and migrations/sqlite.
ALTER TABLE tickets ADD COLUMN escalation_level SMALLINT NOT NULL DEFAULT 0 CHECK (escalation_level BETWEEN 0 AND 255);
