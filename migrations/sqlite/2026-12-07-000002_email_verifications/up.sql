-- Self-registration verifies the address before the account can log in (issue 14).
-- Accounts made by staff or the bootstrap are verified by whoever made them.
ALTER TABLE users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT TRUE;

-- One row per sign-up waiting for its link to be followed: the token's hash, and the
-- password chosen at that sign-up (it becomes the account's when verified, so a second
-- sign-up for the same address cannot plant its password on the first one's link).
CREATE TABLE email_verifications (
    token_hash    TEXT PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL
);
CREATE INDEX email_verifications_user_id ON email_verifications (user_id);
CREATE INDEX email_verifications_expires_at ON email_verifications (expires_at);
