-- Agents as assignees: availability, capacity (most open assigned tickets) and the
-- categories they handle, with an optional level. A staff account without a row is
-- offline with the default capacity and no skills. Kept logically identical to
-- migrations/sqlite.
CREATE TABLE agent_profiles (
    user_id          BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    availability     TEXT NOT NULL CHECK (availability IN ('online', 'away', 'offline')),
    capacity         INTEGER NOT NULL CHECK (capacity BETWEEN 0 AND 1000),
    last_assigned_at TIMESTAMP,
    updated_at       TIMESTAMP NOT NULL
);
CREATE TABLE agent_skills (
    user_id  BIGINT NOT NULL REFERENCES agent_profiles (user_id) ON DELETE CASCADE,
    category TEXT NOT NULL REFERENCES categories (slug),
    level    SMALLINT CHECK (level BETWEEN 1 AND 5),
    PRIMARY KEY (user_id, category)
);
CREATE INDEX agent_skills_category ON agent_skills (category);
