-- What the purge jobs delete, found through indexes so a purge costs what is due:
-- processed outbox events by when they were processed; sent and dead notifications by
-- when they reached that status (`finished_at`, set with the outcome, cleared when an
-- admin requeues a dead one). Notifications finished before this migration take their
-- `sent_at`, or for dead ones their last scheduled attempt, the closest instant stored.
-- Idempotency keys (`idempotency_keys_created`) and sessions (`sessions_expires_at`)
-- have their index already. Kept logically identical in migrations/postgres and
-- migrations/sqlite.
CREATE INDEX outbox_processed ON outbox (processed_at) WHERE processed_at IS NOT NULL;
ALTER TABLE notifications ADD COLUMN finished_at TIMESTAMP;
UPDATE notifications SET finished_at = COALESCE(sent_at, next_attempt_at) WHERE status <> 'pending';
CREATE INDEX notifications_finished ON notifications (status, finished_at) WHERE finished_at IS NOT NULL;
