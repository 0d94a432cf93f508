DROP TABLE ticket_sla_targets;
