DROP INDEX tickets_escalation_check;
ALTER TABLE tickets DROP COLUMN escalation_claimed_until;
ALTER TABLE tickets DROP COLUMN escalation_check_at;
