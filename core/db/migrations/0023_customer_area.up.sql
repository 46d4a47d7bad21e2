-- A customer's service area (wilayah, the zone a PDAM bills and reads
-- by), in the customers API and the billing report.

ALTER TABLE customers ADD COLUMN area text
    CHECK (area ~ '^[0-9A-Za-z .,/()-]{1,64}$');

CREATE OR REPLACE FUNCTION hs_customer_json(c customers) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', c.id, 'number', c.number, 'name', c.name,
        'address', c.address, 'phone', c.phone, 'email', c.email,
        'group', (SELECT g.code FROM customer_groups g WHERE g.id = c.group_id),
        'area', c.area, 'status', c.status, 'created_at', c.created_at,
        'updated_at', c.updated_at);
$$;

CREATE OR REPLACE FUNCTION hs_api_customer(p_utility bigint, p_id bigint,
                                           p_only bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT jsonb_build_object('id', c.id, 'number', c.number,
        'name', c.name, 'address', c.address, 'phone', c.phone,
        'email', c.email, 'group', g.code, 'area', c.area,
        'status', c.status,
        'created_at', c.created_at, 'updated_at', c.updated_at)
      FROM customers c LEFT JOIN customer_groups g ON g.id = c.group_id
     WHERE c.id = p_id AND c.utility_id = p_utility
       AND (p_only IS NULL OR c.id = p_only));
END $$;

CREATE OR REPLACE FUNCTION hs_api_customer_create(p_actor text, p_utility bigint,
                                       p jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v customers;
BEGIN
    INSERT INTO customers (utility_id, number, name, address, phone, email,
                           group_id, area)
    VALUES (p_utility, p->>'number', p->>'name', coalesce(p->>'address', ''),
            p->>'phone', p->>'email', hs_group_id(p_utility, p->>'group'),
            p->>'area')
    RETURNING * INTO v;
    PERFORM hs_audit(p_actor, p_utility, 'create', 'customer', v.id::text,
                     NULL, hs_customer_json(v));
    RETURN hs_customer_json(v);
END $$;

CREATE OR REPLACE FUNCTION hs_api_customer_update(p_actor text, p_utility bigint,
                                       p_id bigint, p jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_old customers;
    v_new customers;
BEGIN
    SELECT * INTO v_old FROM customers
     WHERE id = p_id AND utility_id = p_utility FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    UPDATE customers SET
        name = CASE WHEN p ? 'name' THEN p->>'name' ELSE name END,
        address = CASE WHEN p ? 'address' THEN coalesce(p->>'address', '')
                       ELSE address END,
        phone = CASE WHEN p ? 'phone' THEN p->>'phone' ELSE phone END,
        email = CASE WHEN p ? 'email' THEN p->>'email' ELSE email END,
        group_id = CASE WHEN p ? 'group'
                        THEN hs_group_id(p_utility, p->>'group')
                        ELSE group_id END,
        status = CASE WHEN p ? 'status' THEN p->>'status' ELSE status END,
        area = CASE WHEN p ? 'area' THEN p->>'area' ELSE area END,
        updated_at = now()
     WHERE id = p_id
    RETURNING * INTO v_new;
    PERFORM hs_audit(p_actor, p_utility, 'update', 'customer', p_id::text,
                     hs_customer_json(v_old), hs_customer_json(v_new));
    RETURN hs_customer_json(v_new);
END $$;

CREATE OR REPLACE FUNCTION hs_api_billing_report(p_utility bigint, p_period date)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH i AS (
        SELECT i.*, coalesce(t.code, '-') AS tariff,
               coalesce(g.code, '-') AS cgroup,
               coalesce(c.area, '-') AS area
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
                    FROM i GROUP BY cgroup
                  UNION ALL
                  SELECT 'area', area, count(*),
                         sum(usage)::bigint, sum(total)::bigint,
                         sum(paid_amount)::bigint
                    FROM i GROUP BY area) x), '[]'::jsonb));
$$;
