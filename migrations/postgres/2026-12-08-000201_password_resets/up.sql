-- Password reset links (issue 15): only the hash of each link's token is stored. A link
-- works once and until expires_at; using one marks it and the user's other unused links
-- used. The attempt-purge job deletes rows past expires_at (used or not) through
-- password_resets_expires_at.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX password_resets_user_unused ON password_resets (user_id) WHERE used_at IS NULL;
CREATE INDEX password_resets_expires_at ON password_resets (expires_at);
