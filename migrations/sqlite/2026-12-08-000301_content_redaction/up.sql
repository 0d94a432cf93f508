-- Redaction (issue 15): a redacted comment keeps its row (id, author, visibility,
-- instant) with its body cleared, and says who redacted it, when and why (the reason is
-- staff-only). Comments were never edited before, so comments_fts had no UPDATE trigger:
-- without one a redacted comment's old words would still match a search.
-- Kept logically identical in migrations/postgres and migrations/sqlite.
ALTER TABLE comments ADD COLUMN redacted_at TIMESTAMP;
ALTER TABLE comments ADD COLUMN redacted_by BIGINT;
ALTER TABLE comments ADD COLUMN redaction_reason TEXT;
CREATE TRIGGER comments_fts_update AFTER UPDATE OF body ON comments BEGIN
    INSERT INTO comments_fts (comments_fts, rowid, body) VALUES ('delete', old.id, coalesce(old.body, ''));
    INSERT INTO comments_fts (rowid, body) VALUES (new.id, coalesce(new.body, ''));
END;
