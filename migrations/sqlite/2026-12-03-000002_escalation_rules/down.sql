DROP TABLE escalation_rules;
