-- Business calendars for SLA policies. The configuration is kept as given (JSON) and
-- checked by the application when saved. Kept logically identical to migrations/sqlite.
CREATE TABLE sla_calendars (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    time_zone     TEXT NOT NULL,
    -- {"mon": [["09:00","17:00"]], ...}
    weekly        TEXT NOT NULL,
    -- ["2026-12-25", ...]
    holidays      TEXT NOT NULL,
    -- [{"rrule": "...", "dtstart": "YYYY-MM-DD"}, ...]
    holiday_rules TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
