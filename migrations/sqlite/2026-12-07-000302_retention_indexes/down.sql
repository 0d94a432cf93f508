DROP INDEX notifications_finished;
ALTER TABLE notifications DROP COLUMN finished_at;
DROP INDEX outbox_processed;
