DROP TRIGGER sla_calendars_reference_version ON sla_calendars;
DROP TRIGGER sla_policies_reference_version ON sla_policies;
DROP TRIGGER categories_reference_version ON categories;
DROP FUNCTION reference_version_bump();
DROP TABLE reference_version;
