-- Redaction (issue 15): a redacted comment keeps its row (id, author, visibility,
-- instant) with its body cleared, and says who redacted it, when and why (the reason is
-- staff-only). The generated `search` column follows the cleared body by itself.
-- Kept logically identical in migrations/postgres and migrations/sqlite.
ALTER TABLE comments ADD COLUMN redacted_at TIMESTAMP;
ALTER TABLE comments ADD COLUMN redacted_by BIGINT;
ALTER TABLE comments ADD COLUMN redaction_reason TEXT;
