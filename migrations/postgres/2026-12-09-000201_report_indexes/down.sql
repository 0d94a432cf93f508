DROP INDEX ticket_history_assignments;
DROP INDEX tickets_closed;
DROP INDEX tickets_resolved;
DROP INDEX ticket_sla_targets_breached;
DROP INDEX ticket_sla_targets_met;
DROP INDEX ticket_history_status_changes;
