-- Accounts, sessions, categories, tickets with their history, the outbox and remembered
-- idempotency keys. Instants are UTC in `TIMESTAMP` columns, written by the application's
-- clock. Kept logically identical to migrations/postgres.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('customer', 'agent', 'supervisor', 'admin')),
    password_hash TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE categories (
    slug        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

-- Ticket ids (and so ticket numbers) come from this counter, allocated before insert
-- (SQLite has no sequences).
CREATE TABLE id_sequences (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO id_sequences (name, value) VALUES ('tickets', 0);

CREATE TABLE tickets (
    id          BIGINT PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,
    customer_id BIGINT NOT NULL REFERENCES users (id),
    created_by  BIGINT NOT NULL REFERENCES users (id),
    subject     TEXT NOT NULL,
    description TEXT NOT NULL,
    priority    SMALLINT NOT NULL CHECK (priority BETWEEN 1 AND 4),
    category    TEXT NOT NULL REFERENCES categories (slug),
    -- The tags, space-separated, for reading; ticket_tags serves the filter.
    tags        TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('new', 'assigned', 'in_progress', 'waiting_customer', 'resolved', 'closed')),
    assignee_id BIGINT REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    closed_at   TIMESTAMP,
    version     BIGINT NOT NULL
);
-- Keyset pagination for each sort order, and each list filter with the default order.
CREATE INDEX tickets_created ON tickets (created_at, id);
CREATE INDEX tickets_updated ON tickets (updated_at, id);
CREATE INDEX tickets_priority_created ON tickets (priority, created_at, id);
CREATE INDEX tickets_status_created ON tickets (status, created_at, id);
CREATE INDEX tickets_customer_created ON tickets (customer_id, created_at, id);
CREATE INDEX tickets_assignee_created ON tickets (assignee_id, created_at, id);
CREATE INDEX tickets_category_created ON tickets (category, created_at, id);

-- Full-text search over subject and description (FTS5, English stemming like PostgreSQL's
-- 'english' configuration), kept in step by triggers.
CREATE VIRTUAL TABLE tickets_fts USING fts5 (
    subject, description, content = 'tickets', content_rowid = 'id', tokenize = 'porter unicode61'
);
CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_fts (rowid, subject, description) VALUES (new.id, new.subject, new.description);
END;
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, subject, description) VALUES ('delete', old.id, old.subject, old.description);
END;
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject, description ON tickets BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, subject, description) VALUES ('delete', old.id, old.subject, old.description);
    INSERT INTO tickets_fts (rowid, subject, description) VALUES (new.id, new.subject, new.description);
END;

CREATE TABLE ticket_tags (
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    tag       TEXT NOT NULL,
    PRIMARY KEY (ticket_id, tag)
);
CREATE INDEX ticket_tags_tag ON ticket_tags (tag, ticket_id);

CREATE TABLE ticket_history (
    id          INTEGER PRIMARY KEY,
    ticket_id   BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    actor_id    BIGINT REFERENCES users (id),
    event_type  TEXT NOT NULL,
    details     TEXT NOT NULL,
    visibility  TEXT NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'internal')),
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX ticket_history_ticket ON ticket_history (ticket_id, id);

-- Domain events waiting to be delivered; the worker claims due rows with a lease.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    event_type   TEXT NOT NULL,
    aggregate_id BIGINT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    available_at TIMESTAMP NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    lease_until  TIMESTAMP,
    processed_at TIMESTAMP,
    last_error   TEXT
);
CREATE INDEX outbox_due ON outbox (available_at, id) WHERE processed_at IS NULL;

CREATE TABLE idempotency_keys (
    user_id     BIGINT NOT NULL REFERENCES users (id),
    scope       TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    resource_id BIGINT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
