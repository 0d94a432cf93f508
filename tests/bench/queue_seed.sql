-- Seeds the assignment queue benchmark: 200 agents (online, capacity 50, two skills each
-- across 5 categories), 200,000 closed tickets they worked on before (the load queries
-- must not read them), and 10,000 tickets waiting in the queue with mixed priorities, a
-- third of them with an SLA due instant. Run after migrations on an empty database,
-- through tests/bench/queue.sh.
\set ON_ERROR_STOP on
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM tickets) THEN
        RAISE EXCEPTION 'the database already has tickets; seed an empty one';
    END IF;
END $$;

INSERT INTO categories (slug, name, description, active, created_at, updated_at)
SELECT slug, initcap(slug), '', TRUE, now()::timestamp, now()::timestamp
FROM unnest(ARRAY['billing', 'hardware', 'account', 'shipping', 'general']) AS slug;

INSERT INTO users (email, display_name, role, password_hash, active, created_at)
VALUES ('queue-customer@example.com', 'Queue customer', 'customer', '!', TRUE, now()::timestamp);
INSERT INTO users (email, display_name, role, password_hash, active, created_at)
SELECT 'queue-agent-' || g || '@example.com', 'Agent ' || g, 'agent', '!', TRUE, now()::timestamp
FROM generate_series(1, 200) AS g;

CREATE TEMP TABLE agents AS
SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM users WHERE role = 'agent';
INSERT INTO agent_profiles (user_id, availability, capacity, last_assigned_at, updated_at)
SELECT id, 'online', 50, NULL, now()::timestamp FROM agents;
INSERT INTO agent_skills (user_id, category, level)
SELECT a.id, (ARRAY['billing', 'hardware', 'account', 'shipping', 'general'])[1 + (a.n + k) % 5], NULL
FROM agents a CROSS JOIN (VALUES (0), (2)) AS s(k);

-- Past work: 200,000 closed tickets, 1,000 per agent.
INSERT INTO tickets (id, number, customer_id, created_by, subject, description, priority, category, tags,
                     status, assignee_id, created_at, updated_at, resolved_at, closed_at, version)
SELECT g, 'TKT-' || lpad(g::text, 6, '0'), c.id, c.id, 'Closed ' || g, 'Done', 1 + g % 4,
       (ARRAY['billing', 'hardware', 'account', 'shipping', 'general'])[1 + g % 5], '',
       'closed', a.id, ts, ts, ts, ts, 3
FROM generate_series(1, 200000) AS g
CROSS JOIN (SELECT id FROM users WHERE role = 'customer') c
JOIN agents a ON a.n = g % 200
CROSS JOIN LATERAL (SELECT (now() - interval '200 days' + g * interval '60 seconds')::timestamp AS ts) t;

-- The queue: 10,000 waiting tickets.
INSERT INTO tickets (id, number, customer_id, created_by, subject, description, priority, category, tags,
                     status, assignee_id, created_at, updated_at, version, sla_due_at)
SELECT g, 'TKT-' || lpad(g::text, 6, '0'), c.id, c.id, 'Waiting ' || g, 'Please help', 1 + (g * 7) % 4,
       (ARRAY['billing', 'hardware', 'account', 'shipping', 'general'])[1 + g % 5], '',
       'new', NULL, ts, ts, 1,
       CASE WHEN g % 3 = 0 THEN ts + interval '4 hours' END
FROM generate_series(200001, 210000) AS g
CROSS JOIN (SELECT id FROM users WHERE role = 'customer') c
CROSS JOIN LATERAL (SELECT (now() - interval '1 day' + (g - 200000) * interval '8 seconds')::timestamp AS ts) t;

SELECT setval('ticket_id_seq', (SELECT max(id) FROM tickets));
VACUUM ANALYZE;
SELECT count(*) FILTER (WHERE status = 'new') AS queued, count(*) AS tickets FROM tickets;
