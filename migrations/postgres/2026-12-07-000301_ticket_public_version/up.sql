-- A ticket's revision as a customer sees it (their ETag): raised only by the changes a
-- customer can observe, while `version` keeps counting every change (staff's ETag and the
-- guard of optimistic concurrency). An escalation that leaves the priority alone raises
-- `version` only, so a customer's copy and their If-Match stay current. Existing tickets
-- start from their version. Kept logically identical in migrations/postgres and
-- migrations/sqlite.
ALTER TABLE tickets ADD COLUMN public_version BIGINT NOT NULL DEFAULT 1;
UPDATE tickets SET public_version = version;
