DROP TABLE escalation_firings;
