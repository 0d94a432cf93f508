-- The search benchmark's extra data, on top of seed.sql's 1,000,000 tickets (PostgreSQL;
-- seed_sqlite.sql writes the same rows for SQLite): 300,000 comments on three tickets in
-- ten, a third of them internal notes, and the benchmark's words:
--   xylophone      matches nothing
--   zanzibar       matches one ticket (424242's description)
--   flickers       matches one ticket in eight (the subject "Screen flickers")
--   printer jams   two words, one ticket in eight (the subject "Printer jams")
--   router         only in comments (all 300,000; public ones for customers)
-- Idempotent: it refuses a database that already has comments.
\set ON_ERROR_STOP on
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM comments) THEN
        RAISE EXCEPTION 'the database already has comments; run search_seed.sql once after seed.sql';
    END IF;
END $$;

INSERT INTO users (email, display_name, role, password_hash, active, created_at)
VALUES ('search-seed-agent@example.com', 'Search seed agent', 'agent', '!', TRUE, now()::timestamp)
ON CONFLICT (email) DO NOTHING;

INSERT INTO comments (id, ticket_id, author_id, by_staff, visibility, body, created_at)
SELECT nextval('comment_id_seq'), t.id,
       CASE WHEN t.id % 10 = 9 THEN a.id ELSE t.customer_id END,
       t.id % 10 = 9,
       CASE WHEN t.id % 10 = 9 THEN 'internal' ELSE 'public' END,
       CASE WHEN t.id % 10 = 9 THEN 'Internal: the router firmware is a known issue, escalate to the network team.'
            ELSE 'The router keeps dropping the connection; I restarted it twice already.' END,
       t.created_at + interval '1 hour'
FROM tickets t
CROSS JOIN (SELECT id FROM users WHERE email = 'search-seed-agent@example.com') a
WHERE t.id % 10 IN (3, 6, 9);

UPDATE tickets SET description = description || ' Shipped to zanzibar by mistake.' WHERE id = 424242;

VACUUM ANALYZE comments;
VACUUM ANALYZE tickets;
SELECT count(*) AS comments FROM comments;
