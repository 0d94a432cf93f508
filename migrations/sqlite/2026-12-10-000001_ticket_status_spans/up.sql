-- Each ticket's states over time (ADR 0019): a span per status-moving or assignment event
-- of its history, from that event until the next one, with the status and assignee it
-- left. Kept by a trigger on `ticket_history`, so it follows every history row in the
-- same transaction, whoever writes it; the reports read "the status at a day's end" and
-- "the assignee at that instant" from it instead of searching the history per row.
CREATE TABLE ticket_status_spans (
    history_id        INTEGER PRIMARY KEY REFERENCES ticket_history (id) ON DELETE CASCADE,
    ticket_id         BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    status            TEXT NOT NULL,
    previous_status   TEXT,
    status_changed    BOOLEAN NOT NULL,
    assignee_id       BIGINT,
    ticket_created_at TIMESTAMP NOT NULL,
    started_at        TIMESTAMP NOT NULL,
    ended_at          TIMESTAMP
);
-- Each ticket's spans in order (the trigger reads the latest).
CREATE INDEX ticket_status_spans_ticket ON ticket_status_spans (ticket_id, started_at, history_id);
-- At most one open span per ticket: the one the next event ends. `closed` is terminal and
-- outside the backlog, so its span ends where it starts: the open spans are the backlog now.
CREATE UNIQUE INDEX ticket_status_spans_open ON ticket_status_spans (ticket_id) WHERE ended_at IS NULL;
-- The spans not closed that ended after an instant, read index-only: the backlog at a
-- day's end, and the assignee at an instant of a period.
CREATE INDEX ticket_status_spans_ended ON ticket_status_spans
    (ended_at, started_at, status, ticket_created_at, ticket_id, assignee_id)
    WHERE ended_at IS NOT NULL AND status <> 'closed';
-- Status changes by when they happened, read index-only (volume's resolved, closed and
-- reopened per day; the agents' handled and reopened tickets; the assignee at a
-- resolution).
CREATE INDEX ticket_status_spans_changes ON ticket_status_spans
    (started_at, ticket_id, status, previous_status, assignee_id, ended_at) WHERE status_changed;
-- The consumed time of met targets, read index-only per ticket (response times).
CREATE INDEX ticket_sla_targets_met_consumed ON ticket_sla_targets (ticket_id, kind, consumed_before)
    WHERE met_at IS NOT NULL;

CREATE TRIGGER ticket_history_status_spans AFTER INSERT ON ticket_history
WHEN NEW.event_type IN ('TicketCreated', 'TicketStatusChanged', 'TicketAssigned', 'TicketUnassigned')
BEGIN
    UPDATE ticket_status_spans SET ended_at = NEW.occurred_at
        WHERE ticket_id = NEW.ticket_id AND ended_at IS NULL;
    INSERT INTO ticket_status_spans
        (history_id, ticket_id, status, previous_status, status_changed, assignee_id, ticket_created_at, started_at, ended_at)
    SELECT NEW.id, NEW.ticket_id, moved.status, prev.status, NEW.event_type = 'TicketStatusChanged',
           CASE NEW.event_type WHEN 'TicketAssigned' THEN CAST(json_extract(NEW.details, '$.assignee') AS INTEGER)
                               WHEN 'TicketStatusChanged' THEN prev.assignee_id END,
           COALESCE(prev.ticket_created_at, (SELECT t.created_at FROM tickets t WHERE t.id = NEW.ticket_id)),
           NEW.occurred_at, CASE WHEN moved.status = 'closed' THEN NEW.occurred_at END
    FROM (SELECT CASE WHEN NEW.event_type IN ('TicketCreated', 'TicketUnassigned') THEN 'new'
                      ELSE json_extract(NEW.details, '$.to') END AS status) moved
    LEFT JOIN (SELECT s.status, s.assignee_id, s.ticket_created_at FROM ticket_status_spans s
               WHERE s.ticket_id = NEW.ticket_id ORDER BY s.started_at DESC, s.history_id DESC LIMIT 1) prev;
END;

-- The spans of the history written before this migration.
INSERT INTO ticket_status_spans
    (history_id, ticket_id, status, previous_status, status_changed, assignee_id, ticket_created_at, started_at, ended_at)
SELECT id, ticket_id, status, LAG(status) OVER w, event_type = 'TicketStatusChanged', assignee, created_at, occurred_at,
       CASE WHEN status = 'closed' THEN occurred_at ELSE LEAD(occurred_at) OVER w END
FROM (
    SELECT m.*, FIRST_VALUE(m.assigned) OVER (PARTITION BY m.ticket_id, m.assignments ORDER BY m.id) AS assignee
    FROM (
        SELECT h.id, h.ticket_id, h.event_type, h.occurred_at, t.created_at,
               CASE WHEN h.event_type IN ('TicketCreated', 'TicketUnassigned') THEN 'new'
                    ELSE json_extract(h.details, '$.to') END AS status,
               CASE WHEN h.event_type = 'TicketAssigned' THEN CAST(json_extract(h.details, '$.assignee') AS INTEGER) END AS assigned,
               SUM(CASE WHEN h.event_type IN ('TicketAssigned', 'TicketUnassigned') THEN 1 ELSE 0 END)
                   OVER (PARTITION BY h.ticket_id ORDER BY h.id) AS assignments
        FROM ticket_history h JOIN tickets t ON t.id = h.ticket_id
        WHERE h.event_type IN ('TicketCreated', 'TicketStatusChanged', 'TicketAssigned', 'TicketUnassigned')
    ) m
) s
WINDOW w AS (PARTITION BY ticket_id ORDER BY id);

-- Replaced by the spans' ticket index.
DROP INDEX ticket_history_assignments;
