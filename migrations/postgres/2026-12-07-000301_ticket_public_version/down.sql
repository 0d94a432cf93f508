ALTER TABLE tickets DROP COLUMN public_version;
