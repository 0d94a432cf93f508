-- The SQLite twin of seed.sql + search_seed.sql for the search benchmark: 1,000,000
-- tickets spread over the last year (the same subjects, descriptions, priorities,
-- categories, statuses, customers and vip tags, drawn from the id the same way), 1,000
-- customers, 5 categories, and 300,000 comments on three tickets in ten, a third of them
-- internal notes, with the benchmark's words (search_seed.sql lists them). The FTS5
-- indexes are filled by the migrations' triggers. History and outbox rows are left out:
-- lists and searches never read them. Run after `ticket-api migrate`, through
-- tests/bench/seed_sqlite.sh.
.bail on
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
PRAGMA foreign_keys = ON;
BEGIN;
-- Refuses a database that has tickets already ("CHECK constraint failed: no_tickets_yet").
CREATE TEMP TABLE seed_guard (no_tickets_yet INTEGER CHECK (no_tickets_yet = 0));
INSERT INTO seed_guard SELECT count(*) FROM (SELECT 1 FROM tickets LIMIT 1);

INSERT INTO categories (slug, name, description, active, created_at, updated_at)
VALUES ('billing', 'Billing', '', 1, datetime('now'), datetime('now')),
       ('hardware', 'Hardware', '', 1, datetime('now'), datetime('now')),
       ('account', 'Account', '', 1, datetime('now'), datetime('now')),
       ('shipping', 'Shipping', '', 1, datetime('now'), datetime('now')),
       ('general', 'General', '', 1, datetime('now'), datetime('now'))
ON CONFLICT (slug) DO NOTHING;

WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1000)
INSERT INTO users (email, display_name, role, password_hash, active, created_at)
SELECT 'seed-customer-' || n || '@example.com', 'Seed customer ' || n, 'customer', '!', 1, datetime('now') FROM g;
INSERT INTO users (email, display_name, role, password_hash, active, created_at)
VALUES ('search-seed-agent@example.com', 'Search seed agent', 'agent', '!', 1, datetime('now'));

CREATE TEMP TABLE seed_customers AS
SELECT row_number() OVER (ORDER BY id) AS n, id FROM users WHERE email LIKE 'seed-customer-%';

WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1000000 /* SEED_TICKETS */)
INSERT INTO tickets (id, number, customer_id, created_by, subject, description, priority, category, tags,
                     status, assignee_id, created_at, updated_at, resolved_at, closed_at, version)
SELECT g.n,
       'TKT-' || CASE WHEN g.n < 100000 THEN printf('%06d', g.n) ELSE g.n END,
       c.id, c.id,
       CASE g.n % 8 WHEN 0 THEN 'Printer jams' WHEN 1 THEN 'Invoice charged twice' WHEN 2 THEN 'Cannot log in'
                    WHEN 3 THEN 'Parcel not delivered' WHEN 4 THEN 'Refund request' WHEN 5 THEN 'Password reset fails'
                    WHEN 6 THEN 'Screen flickers' ELSE 'Wrong address on order' END || ' #' || g.n,
       'Seeded ticket ' || g.n || '. The customer describes the problem in a few sentences so that full-text '
           || 'search has realistic text to index: '
           || CASE g.n % 5 WHEN 0 THEN 'printer' WHEN 1 THEN 'invoice' WHEN 2 THEN 'login' WHEN 3 THEN 'parcel'
                           ELSE 'refund' END || '.'
           || CASE WHEN g.n = 424242 THEN ' Shipped to zanzibar by mistake.' ELSE '' END,
       1 + (g.n * 7) % 4,
       CASE g.n % 5 WHEN 0 THEN 'billing' WHEN 1 THEN 'hardware' WHEN 2 THEN 'account' WHEN 3 THEN 'shipping'
                    ELSE 'general' END,
       CASE WHEN g.n % 10 = 0 THEN 'vip' ELSE '' END,
       CASE WHEN g.n % 10 IN (0, 4) THEN 'new' ELSE 'closed' END,
       NULL,
       datetime('now', '-365 days', '+' || (g.n * 31536000.0 / 1000000 /* SEED_TICKETS */) || ' seconds'),
       datetime('now', '-365 days', '+' || (g.n * 31536000.0 / 1000000 /* SEED_TICKETS */) || ' seconds'),
       NULL,
       CASE WHEN g.n % 10 IN (0, 4) THEN NULL ELSE datetime('now', '-365 days', '+' || (g.n * 31536000.0 / 1000000 /* SEED_TICKETS */) || ' seconds') END,
       1
FROM g JOIN seed_customers c ON c.n = 1 + g.n % 1000;

INSERT INTO ticket_tags (ticket_id, tag) SELECT id, 'vip' FROM tickets WHERE tags = 'vip';

INSERT INTO comments (id, ticket_id, author_id, by_staff, visibility, body, created_at)
SELECT row_number() OVER (ORDER BY t.id), t.id,
       CASE WHEN t.id % 10 = 9 THEN a.id ELSE t.customer_id END,
       t.id % 10 = 9,
       CASE WHEN t.id % 10 = 9 THEN 'internal' ELSE 'public' END,
       CASE WHEN t.id % 10 = 9 THEN 'Internal: the router firmware is a known issue, escalate to the network team.'
            ELSE 'The router keeps dropping the connection; I restarted it twice already.' END,
       datetime(t.created_at, '+1 hour')
FROM tickets t
CROSS JOIN (SELECT id FROM users WHERE email = 'search-seed-agent@example.com') a
WHERE t.id % 10 IN (3, 6, 9);

UPDATE id_sequences SET value = (SELECT max(id) FROM tickets) WHERE name = 'tickets';
UPDATE id_sequences SET value = (SELECT max(id) FROM comments) WHERE name = 'comments';
COMMIT;
SELECT count(*) AS tickets FROM tickets;
SELECT count(*) AS comments FROM comments;
