-- When the escalation loop should next look at a ticket, and its lease on it. Every write
-- of the ticket sets `escalation_check_at` to the write's instant (a change may arm or
-- disarm a rule); the loop sets it to the next instant a rule could fire, or NULL. The
-- partial index makes the loop's claim cost what is due, not what is open. When active
-- rules exist already, tickets open at upgrade are due at once; without any, nothing is
-- (creating a rule makes every open ticket due). Kept logically identical in
-- migrations/postgres and migrations/sqlite.
ALTER TABLE tickets ADD COLUMN escalation_check_at TIMESTAMP;
ALTER TABLE tickets ADD COLUMN escalation_claimed_until TIMESTAMP;
UPDATE tickets SET escalation_check_at = updated_at
    WHERE status NOT IN ('resolved', 'closed') AND EXISTS (SELECT 1 FROM escalation_rules WHERE active);
CREATE INDEX tickets_escalation_check ON tickets (escalation_check_at) WHERE escalation_check_at IS NOT NULL;
