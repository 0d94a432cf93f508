DROP TABLE sla_calendars;
