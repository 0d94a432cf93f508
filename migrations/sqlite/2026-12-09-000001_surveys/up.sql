-- Satisfaction surveys (issue 16): one row per invitation, keyed by ticket and round (the
-- ticket's first invitation is round 1, each later one the next). Only the hash of the
-- link's token is stored. The ticket's category, priority and assignee are copied at
-- invitation so the csat report groups by who and what was surveyed, reading this table
-- alone through surveys_answered. rating, comment, answered_at and changed_at are all set
-- by the first answer; a change moves changed_at only (the edit window counts from
-- answered_at).
CREATE TABLE surveys (
    ticket_id        BIGINT   NOT NULL REFERENCES tickets (id),
    round            INTEGER  NOT NULL CHECK (round >= 1),
    trigger          TEXT     NOT NULL CHECK (trigger IN ('closed', 'resolved')),
    customer_id      BIGINT   NOT NULL REFERENCES users (id),
    agent_id         BIGINT   REFERENCES users (id),
    category         TEXT     NOT NULL,
    priority         SMALLINT NOT NULL,
    token_hash       TEXT     NOT NULL UNIQUE,
    invited_at       TIMESTAMP NOT NULL,
    expires_at       TIMESTAMP NOT NULL,
    edit_window_secs BIGINT   NOT NULL CHECK (edit_window_secs >= 0),
    rating           SMALLINT CHECK (rating BETWEEN 1 AND 5),
    comment          TEXT,
    answered_at      TIMESTAMP,
    changed_at       TIMESTAMP,
    PRIMARY KEY (ticket_id, round),
    CHECK ((rating IS NULL) = (answered_at IS NULL) AND (answered_at IS NULL) = (changed_at IS NULL))
);
CREATE INDEX surveys_answered ON surveys (answered_at) WHERE answered_at IS NOT NULL;
CREATE INDEX surveys_customer ON surveys (customer_id);
