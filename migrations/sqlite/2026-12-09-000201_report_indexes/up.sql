-- The reports of issue 16 read a period's rows through these indexes (ADR 0017):
-- status changes by when they happened (volume's resolved/closed/reopened, the agents'
-- handled tickets), settled SLA targets by when they were met or breached, resolutions
-- and closes by when they happened (response times), and tickets by when they were
-- closed (the backlog at each day's end: tickets still open then); and each ticket's
-- assignment events, so "the assignee at that instant" reads one history row, not all.
CREATE INDEX ticket_history_status_changes ON ticket_history (occurred_at)
    WHERE event_type = 'TicketStatusChanged';
CREATE INDEX ticket_sla_targets_met ON ticket_sla_targets (met_at) WHERE met_at IS NOT NULL;
CREATE INDEX ticket_sla_targets_breached ON ticket_sla_targets (breached_at) WHERE breached_at IS NOT NULL;
CREATE INDEX tickets_resolved ON tickets (resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX tickets_closed ON tickets (closed_at);
CREATE INDEX ticket_history_assignments ON ticket_history (ticket_id, id)
    WHERE event_type IN ('TicketAssigned', 'TicketUnassigned');
