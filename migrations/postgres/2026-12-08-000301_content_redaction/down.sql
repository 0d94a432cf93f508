ALTER TABLE comments DROP COLUMN redaction_reason;
ALTER TABLE comments DROP COLUMN redacted_by;
ALTER TABLE comments DROP COLUMN redacted_at;
