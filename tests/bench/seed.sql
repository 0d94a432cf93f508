-- Seeds the bench database with 1,000,000 tickets (psql variable `tickets` for another
-- count) and their history and outbox rows, spread over the last year, 1,000 customers and
-- 5 categories. Run after migrations, through tests/bench/seed.sh. Idempotent: it refuses
-- to seed a database with tickets.
\set ON_ERROR_STOP on
\if :{?tickets}
\else
\set tickets 1000000
\endif
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM tickets) THEN
        RAISE EXCEPTION 'the database already has tickets; seed an empty one';
    END IF;
END $$;

INSERT INTO categories (slug, name, description, active, created_at, updated_at)
SELECT slug, initcap(slug), '', TRUE, now()::timestamp, now()::timestamp
FROM unnest(ARRAY['billing', 'hardware', 'account', 'shipping', 'general']) AS slug
ON CONFLICT (slug) DO NOTHING;

-- Customers who never log in (their hash is not a valid PHC string).
INSERT INTO users (email, display_name, role, password_hash, active, created_at)
SELECT 'seed-customer-' || g || '@example.com', 'Seed customer ' || g, 'customer', '!', TRUE, now()::timestamp
FROM generate_series(1, 1000) AS g;

CREATE TEMP TABLE seed_customers AS
SELECT row_number() OVER (ORDER BY id) AS n, id FROM users WHERE email LIKE 'seed-customer-%';

INSERT INTO tickets (id, number, customer_id, created_by, subject, description, priority, category, tags,
                     status, assignee_id, created_at, updated_at, resolved_at, closed_at, version)
SELECT g,
       'TKT-' || CASE WHEN g < 100000 THEN lpad(g::text, 6, '0') ELSE g::text END,
       c.id, c.id,
       (ARRAY['Printer jams', 'Invoice charged twice', 'Cannot log in', 'Parcel not delivered', 'Refund request',
              'Password reset fails', 'Screen flickers', 'Wrong address on order'])[1 + g % 8] || ' #' || g,
       'Seeded ticket ' || g || '. The customer describes the problem in a few sentences so that full-text '
           || 'search has realistic text to index: ' || (ARRAY['printer', 'invoice', 'login', 'parcel', 'refund'])[1 + g % 5] || '.',
       1 + (g * 7) % 4,
       (ARRAY['billing', 'hardware', 'account', 'shipping', 'general'])[1 + g % 5],
       CASE WHEN g % 10 = 0 THEN 'vip' ELSE '' END,
       (ARRAY['new', 'closed', 'closed', 'closed', 'new', 'closed', 'closed', 'closed', 'closed', 'closed'])[1 + g % 10],
       NULL,
       ts, ts, NULL,
       CASE WHEN (ARRAY['new', 'closed', 'closed', 'closed', 'new', 'closed', 'closed', 'closed', 'closed', 'closed'])[1 + g % 10] = 'closed' THEN ts END,
       1
FROM generate_series(1, :tickets) AS g
JOIN seed_customers c ON c.n = 1 + g % 1000
CROSS JOIN LATERAL (SELECT (now() - interval '365 days' + (g * interval '31536000 seconds' / :tickets))::timestamp AS ts) t;

INSERT INTO ticket_tags (ticket_id, tag) SELECT id, 'vip' FROM tickets WHERE tags = 'vip';

INSERT INTO ticket_history (ticket_id, actor_id, event_type, details, visibility, occurred_at)
SELECT id, customer_id, 'TicketCreated',
       json_build_object('number', number, 'customer_id', customer_id, 'priority',
                         (ARRAY['low', 'normal', 'high', 'urgent'])[priority], 'category', category,
                         'tags', CASE WHEN tags = '' THEN '[]'::json ELSE json_build_array(tags) END)::text,
       'public', created_at
FROM tickets;

INSERT INTO outbox (event_type, aggregate_id, payload, created_at, available_at, processed_at)
SELECT 'TicketCreated', id, '{}', created_at, created_at, created_at FROM tickets;

SELECT setval('ticket_id_seq', (SELECT max(id) FROM tickets));
VACUUM ANALYZE;
SELECT count(*) AS tickets FROM tickets;
