-- The version of the reference data opening a ticket reads (categories, SLA policies and
-- business calendars). Every change to those tables moves it in the same transaction, so a
-- process may keep them in memory and know, from one number read with the new ticket's id,
-- whether its copy is still current (ADR 0025).
CREATE TABLE reference_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO reference_version (id, version) VALUES (1, 1);

CREATE FUNCTION reference_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE reference_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END $$;

CREATE TRIGGER categories_reference_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump();
CREATE TRIGGER sla_policies_reference_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sla_policies
    FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump();
CREATE TRIGGER sla_calendars_reference_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sla_calendars
    FOR EACH STATEMENT EXECUTE FUNCTION reference_version_bump();
