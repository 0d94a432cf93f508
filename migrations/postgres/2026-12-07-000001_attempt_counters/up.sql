-- Login and sign-up attempt counters, shared by every API replica (issue 14): one row
-- per key (account and client, client, account, sign-ups per client), a fixed window.
CREATE TABLE attempt_counters (
    key               TEXT PRIMARY KEY,
    attempts          INTEGER NOT NULL,
    window_started_at TIMESTAMP NOT NULL,
    blocked_until     TIMESTAMP
);
CREATE INDEX attempt_counters_window_started_at ON attempt_counters (window_started_at);
