-- Assignment events became internal (customers see who has a ticket, not how it got
-- there): history rows and outbox payloads written before say otherwise. Kept logically
-- identical in migrations/postgres and migrations/sqlite.
UPDATE ticket_history SET visibility = 'internal'
 WHERE event_type IN ('TicketAssigned', 'TicketUnassigned');
UPDATE outbox SET payload = replace(payload, '"visibility":"public"', '"visibility":"internal"')
 WHERE event_type IN ('TicketAssigned', 'TicketUnassigned');
