ALTER TABLE tickets DROP COLUMN escalation_level;
