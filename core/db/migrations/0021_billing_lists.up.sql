-- What the office needs around the bills: a cashier taking a bill payment
-- (any part of what is owed, oldest invoice first), the payments list,
-- the billed-versus-collected report, and the field team's lists: meters
-- to disconnect (unpaid long past due) and to reconnect (disconnected,
-- and nothing overdue any more).  A disconnected postpaid meter is one
-- staff blocked.

-- A payment at the counter, or any staff-entered one: p_reference is the
-- request's Idempotency-Key, so a retried request pays once.
CREATE FUNCTION hs_bill_pay_staff(p_actor text, p_utility bigint,
    p_customer_no text, p_reference text, p_amount bigint)
RETURNS jsonb LANGUAGE sql AS $$
    SELECT hs_bill_pay(u.code, 'cashier', 'cashier', p_customer_no,
                       p_reference, p_amount, false)
      FROM utilities u WHERE u.id = p_utility;
$$;

CREATE FUNCTION hs_api_bill_payments(p_utility bigint, p_only bigint,
    p_customer bigint, p_limit integer, p_offset integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH f AS (
        SELECT b, count(*) OVER () AS total FROM bill_payments b
         WHERE b.utility_id = p_utility
           AND (p_only IS NULL OR b.customer_id = p_only)
           AND (p_customer IS NULL OR b.customer_id = p_customer)
         ORDER BY b.paid_at DESC, b.id DESC
         LIMIT p_limit OFFSET p_offset)
    SELECT jsonb_build_object('items', coalesce(jsonb_agg(
        hs_bill_payment_json(f.b) ORDER BY (f.b).paid_at DESC, (f.b).id DESC),
        '[]'::jsonb), 'total', coalesce(max(f.total), 0),
        'limit', p_limit, 'offset', p_offset)
      FROM f;
$$;

-- Billed versus collected for a period, in all and per tariff group and
-- per customer group.
CREATE FUNCTION hs_api_billing_report(p_utility bigint, p_period date)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH i AS (
        SELECT i.*, coalesce(t.code, '-') AS tariff,
               coalesce(g.code, '-') AS cgroup
          FROM invoices i
          JOIN meters m ON m.id = i.meter_id
          LEFT JOIN tariff_groups t ON t.id = m.tariff_group_id
          JOIN customers c ON c.id = i.customer_id
          LEFT JOIN customer_groups g ON g.id = c.group_id
         WHERE i.utility_id = p_utility AND i.period = p_period
           AND i.state <> 'void')
    SELECT jsonb_build_object('period', to_char(p_period, 'YYYY-MM'),
        'invoices', (SELECT count(*) FROM i),
        'usage', (SELECT coalesce(sum(usage), 0)::bigint FROM i),
        'billed', (SELECT coalesce(sum(total), 0)::bigint FROM i),
        'collected', (SELECT coalesce(sum(paid_amount), 0)::bigint FROM i),
        'outstanding', (SELECT coalesce(sum(total - paid_amount), 0)::bigint
                          FROM i),
        'items', coalesce((SELECT jsonb_agg(jsonb_build_object(
            'by', x.by, 'group', x.grp, 'invoices', x.n, 'usage', x.usage,
            'billed', x.billed, 'collected', x.collected,
            'outstanding', x.billed - x.collected) ORDER BY x.by, x.grp)
            FROM (SELECT 'tariff' AS by, tariff AS grp, count(*) AS n,
                         sum(usage)::bigint AS usage,
                         sum(total)::bigint AS billed,
                         sum(paid_amount)::bigint AS collected
                    FROM i GROUP BY tariff
                  UNION ALL
                  SELECT 'customer_group', cgroup, count(*),
                         sum(usage)::bigint, sum(total)::bigint,
                         sum(paid_amount)::bigint
                    FROM i GROUP BY cgroup) x), '[]'::jsonb));
$$;

-- Meters whose oldest unpaid invoice is at least p_days past due.
CREATE FUNCTION hs_api_disconnections(p_utility bigint, p_days integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('days', p_days, 'items', coalesce(jsonb_agg(
        jsonb_build_object('meter_id', x.meter_id, 'meter', x.meter,
            'customer_no', x.customer_no, 'customer', x.customer,
            'address', x.address, 'outstanding', x.outstanding,
            'oldest_due', x.oldest_due, 'days_overdue', x.days_overdue,
            'status', x.status)
        ORDER BY x.days_overdue DESC, x.meter), '[]'::jsonb))
      FROM (SELECT m.id AS meter_id, m.number AS meter, c.number AS customer_no,
                   c.name AS customer, m.install_address AS address,
                   m.status,
                   sum(i.total - i.paid_amount)::bigint AS outstanding,
                   min(i.due_date) AS oldest_due,
                   current_date - min(i.due_date) AS days_overdue
              FROM invoices i
              JOIN meters m ON m.id = i.meter_id
              JOIN customers c ON c.id = i.customer_id
             WHERE i.utility_id = p_utility
               AND i.state IN ('open', 'partial')
               AND m.status = 'active'
             GROUP BY m.id, c.id
            HAVING current_date - min(i.due_date) >= p_days) x;
$$;

-- Disconnected (blocked) postpaid meters that owe nothing past due now.
CREATE FUNCTION hs_api_reconnections(p_utility bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('items', coalesce(jsonb_agg(jsonb_build_object(
        'meter_id', m.id, 'meter', m.number, 'customer_no', c.number,
        'customer', c.name, 'address', m.install_address,
        'outstanding', (SELECT coalesce(sum(total - paid_amount), 0)::bigint
                          FROM invoices WHERE meter_id = m.id
                           AND state IN ('open', 'partial')))
        ORDER BY m.number), '[]'::jsonb))
      FROM meters m JOIN customers c ON c.id = m.customer_id
     WHERE m.utility_id = p_utility AND m.billing = 'postpaid'
       AND m.status = 'blocked'
       AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.meter_id = m.id
                         AND i.state IN ('open', 'partial')
                         AND i.due_date < current_date);
$$;
