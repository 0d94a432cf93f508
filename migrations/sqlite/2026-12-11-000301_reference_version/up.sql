-- The version of the reference data opening a ticket reads (categories, SLA policies and
-- business calendars). Every change to those tables moves it in the same transaction, so a
-- process may keep them in memory and know, from one number read per ticket, whether its
-- copy is still current (ADR 0025).
CREATE TABLE reference_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO reference_version (id, version) VALUES (1, 1);

CREATE TRIGGER categories_reference_version_insert AFTER INSERT ON categories
BEGIN UPDATE reference_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER categories_reference_version_update AFTER UPDATE ON categories
BEGIN UPDATE reference_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER categories_reference_version_delete AFTER DELETE ON categories
BEGIN UPDATE reference_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER sla_policies_reference_version_insert AFTER INSERT ON sla_policies
BEGIN UPDATE reference_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER sla_policies_reference_version_update AFTER UPDATE ON sla_policies
BEGIN UPDATE reference_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER sla_policies_reference_version_delete AFTER DELETE ON sla_policies
BEGIN UPDATE reference_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER sla_calendars_reference_version_insert AFTER INSERT ON sla_calendars
BEGIN UPDATE reference_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER sla_calendars_reference_version_update AFTER UPDATE ON sla_calendars
BEGIN UPDATE reference_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER sla_calendars_reference_version_delete AFTER DELETE ON sla_calendars
BEGIN UPDATE reference_version SET version = version + 1 WHERE id = 1; END;
