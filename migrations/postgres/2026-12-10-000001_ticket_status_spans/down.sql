CREATE INDEX ticket_history_assignments ON ticket_history (ticket_id, id)
    WHERE event_type IN ('TicketAssigned', 'TicketUnassigned');
DROP TRIGGER ticket_history_status_spans ON ticket_history;
DROP FUNCTION ticket_status_spans_follow();
DROP TABLE ticket_status_spans;
DROP INDEX ticket_sla_targets_met_consumed;
