-- Accounts, sessions, categories, tickets with their history, the outbox and remembered
-- idempotency keys. Instants are UTC in `TIMESTAMP` columns, written by the application's
-- clock. Kept logically identical to migrations/sqlite.

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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

-- Ticket ids (and so ticket numbers) come from this sequence, allocated before insert.
CREATE SEQUENCE ticket_id_seq AS BIGINT START WITH 1;

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
    version     BIGINT NOT NULL,
    search      TSVECTOR GENERATED ALWAYS AS (
                    setweight(to_tsvector('english', subject), 'A') || to_tsvector('english', description)
                ) STORED
);
-- Keyset pagination for each sort order, and each list filter with the default order.
CREATE INDEX tickets_created ON tickets (created_at, id);
CREATE INDEX tickets_updated ON tickets (updated_at, id);
CREATE INDEX tickets_priority_created ON tickets (priority, created_at, id);
CREATE INDEX tickets_status_created ON tickets (status, created_at, id);
CREATE INDEX tickets_customer_created ON tickets (customer_id, created_at, id);
CREATE INDEX tickets_assignee_created ON tickets (assignee_id, created_at, id);
CREATE INDEX tickets_category_created ON tickets (category, created_at, id);
CREATE INDEX tickets_search ON tickets USING GIN (search);

CREATE TABLE ticket_tags (
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    tag       TEXT NOT NULL,
    PRIMARY KEY (ticket_id, tag)
);
CREATE INDEX ticket_tags_tag ON ticket_tags (tag, ticket_id);

CREATE TABLE ticket_history (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
