-- SLA policies: which tickets (priorities, optionally a category) get which targets, in
-- business minutes on a calendar (none: calendar time). Kept logically identical to
-- migrations/sqlite.
CREATE TABLE sla_policies (
    id                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                   TEXT NOT NULL UNIQUE,
    -- Space-separated priority names.
    priorities             TEXT NOT NULL,
    category               TEXT REFERENCES categories (slug),
    calendar_id            BIGINT REFERENCES sla_calendars (id),
    first_response_minutes INTEGER CHECK (first_response_minutes > 0),
    next_response_minutes  INTEGER CHECK (next_response_minutes > 0),
    resolution_minutes     INTEGER CHECK (resolution_minutes > 0),
    warning_percent        SMALLINT NOT NULL CHECK (warning_percent BETWEEN 1 AND 100),
    -- Space-separated status names.
    pause_statuses         TEXT NOT NULL,
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL
);
CREATE INDEX sla_policies_calendar ON sla_policies (calendar_id);
