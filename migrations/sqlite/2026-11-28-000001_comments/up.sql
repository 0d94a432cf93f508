-- The conversation on a ticket: comments (public comments, agent replies, internal notes)
-- and their files. Kept logically identical to migrations/postgres.

ALTER TABLE tickets ADD COLUMN first_response_at TIMESTAMP;
ALTER TABLE tickets ADD COLUMN last_customer_comment_at TIMESTAMP;
ALTER TABLE tickets ADD COLUMN last_agent_reply_at TIMESTAMP;
-- Counted by increments when a comment is inserted, never rewritten by ticket updates.
ALTER TABLE tickets ADD COLUMN public_comment_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN internal_note_count INTEGER NOT NULL DEFAULT 0;

INSERT INTO id_sequences (name, value) VALUES ('comments', 0), ('attachments', 0);

CREATE TABLE comments (
    id         BIGINT PRIMARY KEY,
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id  BIGINT NOT NULL REFERENCES users (id),
    by_staff   BOOLEAN NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'internal')),
    -- NULL for a comment that only carries files.
    body       TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX comments_ticket ON comments (ticket_id, id);

-- Full-text search over comment bodies, like tickets_fts; comments are never edited.
CREATE VIRTUAL TABLE comments_fts USING fts5 (
    body, content = 'comments', content_rowid = 'id', tokenize = 'porter unicode61'
);
CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN
    INSERT INTO comments_fts (rowid, body) VALUES (new.id, coalesce(new.body, ''));
END;
CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments BEGIN
    INSERT INTO comments_fts (comments_fts, rowid, body) VALUES ('delete', old.id, coalesce(old.body, ''));
END;

CREATE TABLE attachments (
    id          BIGINT PRIMARY KEY,
    ticket_id   BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    comment_id  BIGINT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    uploaded_by BIGINT NOT NULL REFERENCES users (id),
    -- The comment's visibility, copied so listing and download need no join.
    visibility  TEXT NOT NULL CHECK (visibility IN ('public', 'internal')),
    file_name   TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size_bytes  BIGINT NOT NULL CHECK (size_bytes > 0),
    sha256      TEXT NOT NULL,
    blob_key    TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX attachments_ticket ON attachments (ticket_id, id);
CREATE INDEX attachments_comment ON attachments (comment_id, id);

-- Blobs stored for an upload whose comment has not committed yet. The commit deletes the
-- entry; one still here after the sweep age names an orphan blob (a crash between storing
-- and committing), which the worker deletes.
CREATE TABLE upload_intents (
    blob_key   TEXT PRIMARY KEY,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX upload_intents_created ON upload_intents (created_at);
