-- The reports benchmark's data, on top of seed.sql's 1,000,000 tickets spread over a year:
-- 50 agents; each ticket assigned 5 minutes after creation, in progress after 30, a first
-- response 1 to 240 minutes in, resolved 1 to 72 hours in and closed a day later (one in
-- twenty reopened two hours after its resolution and resolved again four hours later);
-- tickets created in the last 14 days are left open one in five (about 7,700: the
-- backlog). An SLA policy's first-response and resolution targets, met or breached (4 and
-- 48 business hours), and a survey for three closed tickets in ten, rated 1 to 5. Run
-- after seed.sql; a few minutes.
\set ON_ERROR_STOP on
INSERT INTO users (email, display_name, role, password_hash, active, created_at)
SELECT 'seed-agent-' || g || '@example.com', 'Seed agent ' || g, 'agent', '!', TRUE, now()::timestamp
FROM generate_series(1, 50) AS g;
CREATE TEMP TABLE seed_agents AS
SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM users WHERE email LIKE 'seed-agent-%';
INSERT INTO sla_policies (name, priorities, category, calendar_id, first_response_minutes, next_response_minutes,
                          resolution_minutes, warning_percent, pause_statuses, created_at, updated_at)
VALUES ('Seed standard', '[]', NULL, NULL, 240, NULL, 2880, 80, '["waiting_customer"]', now()::timestamp, now()::timestamp);

-- Each ticket's life, drawn from its id.
CREATE TEMP TABLE life AS
SELECT t.id, t.created_at AS created, a.id AS agent,
       t.created_at + INTERVAL '5 minutes' AS assigned,
       t.created_at + INTERVAL '30 minutes' AS started,
       t.created_at + (1 + t.id % 240) * INTERVAL '1 minute' AS responded,
       t.created_at + (1 + t.id % 72) * INTERVAL '1 hour' AS resolved,
       t.id % 20 = 0 AS reopened,
       NOT (t.created_at > (now() - INTERVAL '14 days')::timestamp AND t.id % 5 = 0) AS finished
FROM tickets t JOIN seed_agents a ON a.n = t.id % 50;

UPDATE tickets t SET
    assignee_id = l.agent,
    status = CASE WHEN l.finished THEN 'closed' ELSE 'in_progress' END,
    first_response_at = l.responded,
    last_agent_reply_at = l.responded,
    resolved_at = CASE WHEN l.finished THEN l.resolved + CASE WHEN l.reopened THEN INTERVAL '6 hours' ELSE INTERVAL '0' END END,
    closed_at = CASE WHEN l.finished THEN l.resolved + INTERVAL '1 day' + CASE WHEN l.reopened THEN INTERVAL '6 hours' ELSE INTERVAL '0' END END,
    updated_at = l.resolved
FROM life l WHERE l.id = t.id;

INSERT INTO ticket_history (ticket_id, actor_id, event_type, details, visibility, occurred_at)
SELECT id, agent, 'TicketAssigned',
       json_build_object('previous', NULL, 'assignee', agent, 'from', 'new', 'to', 'assigned')::text, 'internal', assigned
FROM life;
INSERT INTO ticket_history (ticket_id, actor_id, event_type, details, visibility, occurred_at)
SELECT id, agent, 'TicketStatusChanged', '{"from":"assigned","to":"in_progress"}', 'public', started FROM life;
INSERT INTO ticket_history (ticket_id, actor_id, event_type, details, visibility, occurred_at)
SELECT id, agent, 'TicketStatusChanged', '{"from":"in_progress","to":"resolved"}', 'public', resolved
FROM life WHERE finished;
INSERT INTO ticket_history (ticket_id, actor_id, event_type, details, visibility, occurred_at)
SELECT id, agent, 'TicketStatusChanged', '{"from":"resolved","to":"in_progress"}', 'public', resolved + INTERVAL '2 hours'
FROM life WHERE finished AND reopened;
INSERT INTO ticket_history (ticket_id, actor_id, event_type, details, visibility, occurred_at)
SELECT id, agent, 'TicketStatusChanged', '{"from":"in_progress","to":"resolved"}', 'public', resolved + INTERVAL '6 hours'
FROM life WHERE finished AND reopened;
INSERT INTO ticket_history (ticket_id, actor_id, event_type, details, visibility, occurred_at)
SELECT t.id, l.agent, 'TicketStatusChanged', '{"from":"resolved","to":"closed"}', 'public', t.closed_at
FROM tickets t JOIN life l ON l.id = t.id WHERE l.finished;

INSERT INTO ticket_slas (ticket_id, policy_id, revision, next_deadline, claimed_until)
SELECT id, (SELECT id FROM sla_policies WHERE name = 'Seed standard'), 1, NULL, NULL FROM life;
-- Business time is taken as 60 % of the wall-clock time; a target whose business time
-- passes its length is breached at its due instant.
INSERT INTO ticket_sla_targets (ticket_id, kind, target_seconds, warning_percent, started_at, consumed_before,
                                running_since, due_at, warn_at, warned_at, breached_at, met_at)
SELECT id, 'first_response', 14400, 80, created, (EXTRACT(EPOCH FROM responded - created) * 0.6)::bigint,
       NULL, NULL, NULL, NULL,
       CASE WHEN EXTRACT(EPOCH FROM responded - created) * 0.6 > 14400 THEN created + INTERVAL '4 hours' END,
       responded
FROM life;
INSERT INTO ticket_sla_targets (ticket_id, kind, target_seconds, warning_percent, started_at, consumed_before,
                                running_since, due_at, warn_at, warned_at, breached_at, met_at)
SELECT l.id, 'resolution', 172800, 80, l.created, (EXTRACT(EPOCH FROM t.resolved_at - l.created) * 0.6)::bigint,
       NULL, NULL, NULL, NULL,
       CASE WHEN EXTRACT(EPOCH FROM t.resolved_at - l.created) * 0.6 > 172800 THEN l.created + INTERVAL '80 hours' END,
       t.resolved_at
FROM life l JOIN tickets t ON t.id = l.id WHERE l.finished;

INSERT INTO surveys (ticket_id, round, trigger, customer_id, agent_id, category, priority, token_hash, invited_at,
                     expires_at, edit_window_secs, rating, comment, answered_at, changed_at)
SELECT t.id, 1, 'closed', t.customer_id, t.assignee_id, t.category, t.priority, 'seed-' || t.id, t.closed_at,
       t.closed_at + INTERVAL '14 days', 604800, 1 + t.id % 5,
       CASE WHEN t.id % 5 < 2 THEN 'Seeded comment on ticket ' || t.id END,
       t.closed_at + INTERVAL '1 hour', t.closed_at + INTERVAL '1 hour'
FROM tickets t WHERE t.status = 'closed' AND t.id % 10 < 3;

VACUUM ANALYZE;
SELECT (SELECT count(*) FROM tickets) AS tickets, (SELECT count(*) FROM ticket_history) AS history,
       (SELECT count(*) FROM ticket_sla_targets) AS targets, (SELECT count(*) FROM surveys) AS surveys,
       (SELECT count(*) FROM tickets WHERE status <> 'closed') AS open;
