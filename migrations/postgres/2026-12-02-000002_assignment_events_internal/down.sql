UPDATE outbox SET payload = replace(payload, '"visibility":"internal"', '"visibility":"public"')
 WHERE event_type IN ('TicketAssigned', 'TicketUnassigned');
UPDATE ticket_history SET visibility = 'public'
 WHERE event_type IN ('TicketAssigned', 'TicketUnassigned');
