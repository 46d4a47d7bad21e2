-- The whole-system load test's people: :customers prepaid water customers
-- of PDAM Tirta Sejahtera, each with a meter in the demo supply group
-- (123457, whose vending key the bench's soft HSM holds) and a customer
-- account, and :staff operators.  Loaded after `hydrosync db demo`, run
-- with psql -v customers=N -v staff=M.
--
-- Every account has the demo password (its scrypt hash is copied from
-- siti@example.id, so no hashing here) and also a live session, as if it
-- had signed in within the last 30 minutes: most simulated users come back
-- to that session, a few sign in with the password (user-load's
-- --login-pct).  The session token is the hex SHA-256 of a fixed string,
-- stored as the server stores it (the hex SHA-256 of the token).  The last
-- query prints one line per account for user-load:
--   kind user_id customer_id meter_id email session_token csrf_token
--
-- Customers have no phone number: the token notice then goes to the
-- customer's open browsers only (push), not to an SMS gateway.
\set ON_ERROR_STOP on
SET synchronous_commit = off;

-- The Luhn check digit of a string of digits (meter numbers and PANs).
CREATE FUNCTION pg_temp.luhn(d text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT ((10 - sum(CASE WHEN (length(d) - i) % 2 = 0
                           THEN (substr(d, i, 1)::int * 2) / 10
                                + (substr(d, i, 1)::int * 2) % 10
                           ELSE substr(d, i, 1)::int END) % 10) % 10)::text
      FROM generate_series(1, length(d)) AS i
$$;

INSERT INTO customers (utility_id, number, name, address, group_id)
SELECT u.id, 'LD-' || i, 'Pelanggan Beban ' || i, 'Jl. Beban ' || i,
       (SELECT g.id FROM customer_groups g
         WHERE g.utility_id = u.id AND g.code = 'R1')
  FROM utilities u, generate_series(1, :customers) AS i
 WHERE u.code = 'pdam-tirta';

-- DRN 48 + serial (8 digits) + Luhn; PAN 600727 + DRN + Luhn.
INSERT INTO meters (utility_id, customer_id, number, pan, service_type,
                    tariff_group_id, sgc, algorithm, dkga, base_date,
                    install_address)
SELECT c.utility_id, c.id, d.drn,
       '600727' || d.drn || pg_temp.luhn('600727' || d.drn), 'water', g.id,
       123457, 'EA11', 4, 2014, c.address
  FROM customers c
  JOIN tariff_groups g ON g.utility_id = c.utility_id AND g.code = 'AIR-R1'
  CROSS JOIN LATERAL (SELECT '48' || lpad(substr(c.number, 4), 8, '0') AS p)
       AS s
  CROSS JOIN LATERAL (SELECT s.p || pg_temp.luhn(s.p) AS drn) AS d
 WHERE c.number LIKE 'LD-%';

INSERT INTO users (utility_id, email, name, role, customer_id, password_hash)
SELECT c.utility_id, 'load' || substr(c.number, 4) || '@bench.test', c.name,
       'customer', c.id,
       (SELECT password_hash FROM users WHERE email = 'siti@example.id')
  FROM customers c
 WHERE c.number LIKE 'LD-%';

INSERT INTO users (utility_id, email, name, role, password_hash)
SELECT u.id, 'staff' || i || '@bench.test', 'Operator Beban ' || i,
       'operator',
       (SELECT password_hash FROM users WHERE email = 'siti@example.id')
  FROM utilities u, generate_series(1, :staff) AS i
 WHERE u.code = 'pdam-tirta';

CREATE TEMP TABLE bench_sessions AS
SELECT u.id AS user_id,
       encode(sha256(convert_to('hs-load-session-' || u.id, 'UTF8')), 'hex')
           AS token,
       encode(sha256(convert_to('hs-load-csrf-' || u.id, 'UTF8')), 'hex')
           AS csrf
  FROM users u
 WHERE u.email LIKE '%@bench.test';

INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, idle_until,
                      address)
SELECT encode(sha256(convert_to(s.token, 'UTF8')), 'hex'), s.user_id, s.csrf,
       now() + interval '12 hours', now() + interval '30 minutes', '127.0.0.1'
  FROM bench_sessions s;

ANALYZE customers;
ANALYZE meters;
ANALYZE users;
ANALYZE sessions;

\pset format unaligned
\pset tuples_only on
\pset fieldsep ' '
SELECT CASE u.role WHEN 'customer' THEN 'customer' ELSE 'staff' END,
       u.id, coalesce(u.customer_id, 0), coalesce(m.id, 0), u.email, s.token,
       s.csrf
  FROM bench_sessions s
  JOIN users u ON u.id = s.user_id
  LEFT JOIN meters m ON m.customer_id = u.customer_id
 ORDER BY u.role = 'customer' DESC, u.id;
