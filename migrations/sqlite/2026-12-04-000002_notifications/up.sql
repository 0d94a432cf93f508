-- Notifications: one row per message to one recipient on one channel, planned from an
-- outbox event and worked through by the dispatcher (claimed with a lease, sent, retried
-- with backoff or dead-lettered with the reason). `idempotency_key` (outbox event,
-- recipient, channel) makes planning an event twice harmless. `claimed_by` names the
-- lease's holder, so a dispatcher whose lease ran out cannot overwrite the outcome of the
-- one that took the row over. Users gain a phone number and an SMS opt-in.
-- Kept logically identical in migrations/postgres and migrations/sqlite.
CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    event_id        BIGINT,
    ticket_id       BIGINT,
    recipient_id    BIGINT,
    channel         TEXT NOT NULL,
    address         TEXT NOT NULL,
    recipient_name  TEXT,
    template        TEXT NOT NULL,
    context         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until     TIMESTAMP,
    claimed_by      TEXT,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notifications_by_status ON notifications (status, id);
CREATE INDEX notifications_by_ticket ON notifications (ticket_id);

ALTER TABLE users ADD COLUMN phone TEXT;
ALTER TABLE users ADD COLUMN sms_opt_in BOOLEAN NOT NULL DEFAULT FALSE;

-- Until now nothing consumed the outbox: events recorded before the dispatcher existed are
-- history, not news. Mark them processed so an upgrade does not mail every old event.
UPDATE outbox SET processed_at = created_at WHERE processed_at IS NULL;
