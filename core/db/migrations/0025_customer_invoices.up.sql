-- One invoice per customer and period.  A customer with several postpaid
-- meters (a house and a shop, an apartment's water and electricity) gets
-- one bill a month: a section per meter (its stands, usage and charges
-- under its own tariff), then what belongs to the customer (the late
-- penalty on what was owed past due), then the total.  The meter sections
-- are invoice_meters, one per meter and period, so a meter is never billed
-- twice for a month, and a re-run replaces the sections of an open invoice
-- with the invoice.
--
-- Irreversible: going back would split invoices that payments were
-- already applied to.  Restore from a backup instead.

CREATE TABLE invoice_meters (
    invoice_id      bigint NOT NULL REFERENCES invoices ON DELETE CASCADE,
    meter_id        bigint NOT NULL REFERENCES meters,
    period          date NOT NULL,
    reading_from    bigint NOT NULL,
    reading_to      bigint NOT NULL,
    usage           bigint NOT NULL CHECK (usage >= 0),  -- base units
    tariff_version_id bigint NOT NULL REFERENCES tariff_versions,
    lines           jsonb NOT NULL,
    usage_amount    bigint NOT NULL,
    minimum_topup   bigint NOT NULL,
    fixed           bigint NOT NULL,
    admin_fee       bigint NOT NULL,
    tax             bigint NOT NULL,
    total           bigint NOT NULL CHECK (total >= 0),
    PRIMARY KEY (meter_id, period)
);
CREATE INDEX invoice_meters_invoice ON invoice_meters (invoice_id);

-- The invoices written so far have one meter each: that meter is their
-- one section, and the penalty line stays on the invoice.
INSERT INTO invoice_meters (invoice_id, meter_id, period, reading_from,
    reading_to, usage, tariff_version_id, lines, usage_amount,
    minimum_topup, fixed, admin_fee, tax, total)
SELECT i.id, i.meter_id, i.period, i.reading_from, i.reading_to, i.usage,
       i.tariff_version_id,
       coalesce((SELECT jsonb_agg(l) FROM jsonb_array_elements(i.lines) l
                  WHERE l->>'what' <> 'late penalty'), '[]'::jsonb),
       i.usage_amount, i.minimum_topup, i.fixed, i.admin_fee, i.tax,
       i.total - i.penalty
  FROM invoices i;
UPDATE invoices SET lines = coalesce((SELECT jsonb_agg(l)
    FROM jsonb_array_elements(lines) l WHERE l->>'what' = 'late penalty'),
    '[]'::jsonb);

ALTER TABLE invoices DROP CONSTRAINT invoices_meter_id_period_key;
ALTER TABLE invoices DROP CONSTRAINT invoices_number_key;
DROP INDEX invoices_customer;
ALTER TABLE invoices DROP COLUMN meter_id, DROP COLUMN reading_from,
    DROP COLUMN reading_to, DROP COLUMN tariff_version_id;
ALTER TABLE invoices ADD UNIQUE (customer_id, period);
ALTER TABLE invoices ADD UNIQUE (utility_id, number);
COMMENT ON COLUMN invoices.usage IS 'the sum of its meters'' usage';
COMMENT ON COLUMN invoices.lines IS
    'the customer''s own lines (late penalty); meters'' in invoice_meters';

-- The run.  Each postpaid meter is priced as before; a customer's priced
-- meters make one invoice, with one late penalty on what the customer
-- owed past due (at the highest rate among the tariffs billed).  A meter
-- already billed this period on another customer's invoice (it changed
-- hands) is skipped and reported.
CREATE OR REPLACE FUNCTION hs_billing_run(p_actor text, p_utility bigint,
    p_period date, p_preview boolean, p_due_days integer)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_run bigint;
    v_end date := (p_period + interval '1 month')::date - 1;
    v_report jsonb;
BEGIN
    IF extract(day FROM p_period) <> 1 THEN
        RAISE EXCEPTION 'period: the first day of a month'
              USING ERRCODE = 'HS422';
    END IF;
    -- One run per utility at a time.
    PERFORM pg_advisory_xact_lock(hashtextextended('billing:' || p_utility, 0));
    INSERT INTO billing_runs (utility_id, period, preview, actor)
    VALUES (p_utility, p_period, p_preview, p_actor) RETURNING id INTO v_run;

    CREATE TEMP TABLE bill_calc ON COMMIT DROP AS
    WITH m AS (
        SELECT m.id, m.number, m.customer_id, m.tariff_group_id
          FROM meters m
         WHERE m.utility_id = p_utility AND m.billing = 'postpaid'
           AND m.status <> 'removed' AND m.customer_id IS NOT NULL),
    cur AS (
        SELECT r.meter_id, r.value FROM readings r
         WHERE r.utility_id = p_utility AND r.period = p_period
           AND r.state IN ('accepted', 'approved', 'corrected')),
    prev AS (
        SELECT DISTINCT ON (r.meter_id) r.meter_id, r.value
          FROM readings r
         WHERE r.utility_id = p_utility AND r.period < p_period
           AND r.state IN ('accepted', 'approved', 'corrected')
         ORDER BY r.meter_id, r.period DESC),
    tv AS (
        SELECT DISTINCT ON (v.tariff_group_id) v.*,
               hs_blocks_upto(v.blocks) AS upto,
               hs_blocks_price(v.blocks) AS price
          FROM tariff_versions v
          JOIN tariff_groups g ON g.id = v.tariff_group_id
         WHERE g.utility_id = p_utility AND v.valid_from <= v_end
         ORDER BY v.tariff_group_id, v.valid_from DESC),
    elsewhere AS (
        SELECT im.meter_id, i.customer_id
          FROM invoice_meters im JOIN invoices i ON i.id = im.invoice_id
         WHERE im.period = p_period AND i.utility_id = p_utility)
    SELECT m.id AS meter_id, m.number, m.customer_id, tv.id AS version_id,
           prev.value AS reading_from, cur.value AS reading_to,
           cur.value - coalesce(prev.value, 0) AS usage,
           tv.late_penalty_bp,
           CASE WHEN tv.id IS NULL THEN 'no_tariff'
                WHEN cur.value IS NULL THEN 'no_reading'
                WHEN cur.value < coalesce(prev.value, 0) THEN 'lower_than_last'
                WHEN e.customer_id <> m.customer_id
                    THEN 'billed_to_another_customer'
           END AS skip,
           CASE WHEN tv.id IS NOT NULL AND cur.value IS NOT NULL AND
                     cur.value >= coalesce(prev.value, 0)
                THEN hs_bill_charges(tv.upto, tv.price,
                     cur.value - coalesce(prev.value, 0), tv.fixed_monthly,
                     tv.minimum_charge, tv.admin_fee, tv.tax_bp) END AS c
      FROM m
      LEFT JOIN cur ON cur.meter_id = m.id
      LEFT JOIN prev ON prev.meter_id = m.id
      LEFT JOIN tv ON tv.tariff_group_id = m.tariff_group_id
      LEFT JOIN elsewhere e ON e.meter_id = m.id;

    CREATE TEMP TABLE bill_new ON COMMIT DROP AS
    WITH cust AS (
        SELECT b.customer_id, count(*) AS meters,
               sum(b.usage)::bigint AS usage,
               sum((b.c).usage_amount)::bigint AS usage_amount,
               sum((b.c).minimum_topup)::bigint AS minimum_topup,
               sum((b.c).fixed)::bigint AS fixed,
               sum((b.c).admin_fee)::bigint AS admin_fee,
               sum((b.c).tax)::bigint AS tax,
               sum((b.c).total)::bigint AS charges,
               max(b.late_penalty_bp) AS late_penalty_bp
          FROM bill_calc b WHERE b.skip IS NULL
         GROUP BY b.customer_id),
    owed AS (
        SELECT i.customer_id,
               sum(i.total - i.paid_amount)::bigint AS arrears,
               sum(CASE WHEN i.due_date < v_end
                   THEN i.total - i.paid_amount ELSE 0 END)::bigint
                   AS overdue
          FROM invoices i
         WHERE i.utility_id = p_utility AND i.period < p_period
           AND i.state IN ('open', 'partial')
         GROUP BY i.customer_id),
    x AS (
        SELECT cust.*, cu.number AS customer_no,
               coalesce(owed.arrears, 0) AS arrears,
               (coalesce(owed.overdue, 0) * cust.late_penalty_bp + 5000)
                   / 10000 AS penalty
          FROM cust
          JOIN customers cu ON cu.id = cust.customer_id
          LEFT JOIN owed ON owed.customer_id = cust.customer_id)
    SELECT x.*, x.charges + x.penalty AS total,
           i.id AS invoice_id, i.state AS invoice_state,
           i.total AS old_total, i.usage AS old_usage,
           i.penalty AS old_penalty,
           (SELECT count(*) FROM invoice_meters im
             WHERE im.invoice_id = i.id) AS old_meters
      FROM x
      LEFT JOIN invoices i ON i.customer_id = x.customer_id
                          AND i.period = p_period;
    -- Whether the invoice would differ from the one written before.
    ALTER TABLE bill_new ADD COLUMN differs boolean;
    UPDATE bill_new SET differs = invoice_id IS NOT NULL AND
        (old_total, old_usage, old_penalty, old_meters)
        IS DISTINCT FROM (total, usage, penalty, meters);

    v_report := jsonb_build_object(
        'run', v_run, 'period', to_char(p_period, 'YYYY-MM'),
        'preview', p_preview,
        'meters', (SELECT count(*) FROM bill_calc),
        'customers', (SELECT count(*) FROM bill_new),
        'created', (SELECT count(*) FROM bill_new WHERE invoice_id IS NULL),
        'changed', (SELECT count(*) FROM bill_new
                     WHERE differs AND invoice_state = 'open'),
        'unchanged', (SELECT count(*) FROM bill_new
                       WHERE invoice_id IS NOT NULL AND NOT differs),
        'locked', (SELECT count(*) FROM bill_new
                    WHERE differs AND invoice_state <> 'open'),
        'skipped', (SELECT count(*) FROM bill_calc WHERE skip IS NOT NULL),
        'billed_total', (SELECT coalesce(sum(total), 0)::bigint FROM bill_new),
        'changes', coalesce((SELECT jsonb_agg(jsonb_build_object(
                       'customer', customer_no, 'invoice', invoice_id,
                       'was', old_total, 'now', total,
                       'locked', invoice_state <> 'open'))
                     FROM (SELECT * FROM bill_new WHERE differs
                            ORDER BY customer_no LIMIT 1000) x), '[]'::jsonb),
        'skips', coalesce((SELECT jsonb_agg(jsonb_build_object(
                     'meter', number, 'reason', skip))
                   FROM (SELECT * FROM bill_calc WHERE skip IS NOT NULL
                          ORDER BY number LIMIT 1000) y), '[]'::jsonb));

    IF NOT p_preview THEN
        -- Open invoices that changed: new totals, their sections replaced.
        UPDATE invoices i SET
            usage = b.usage,
            lines = CASE WHEN b.penalty > 0 THEN
                jsonb_build_array(jsonb_build_object('what', 'late penalty',
                'rate_bp', b.late_penalty_bp, 'amount', b.penalty))
                ELSE '[]'::jsonb END,
            usage_amount = b.usage_amount, minimum_topup = b.minimum_topup,
            fixed = b.fixed, admin_fee = b.admin_fee, tax = b.tax,
            penalty = b.penalty, total = b.total, arrears = b.arrears,
            run_id = v_run, version = i.version + 1, updated_at = now()
          FROM bill_new b
         WHERE i.id = b.invoice_id AND i.state = 'open' AND b.differs;
        DELETE FROM invoice_meters im USING bill_new b
         WHERE im.invoice_id = b.invoice_id AND b.invoice_state = 'open'
           AND b.differs;
        WITH ins AS (
            INSERT INTO invoices (utility_id, customer_id, period, number,
                usage, lines, usage_amount, minimum_topup, fixed, admin_fee,
                tax, penalty, total, arrears, due_date, run_id)
            SELECT p_utility, b.customer_id, p_period,
                   'INV-' || to_char(p_period, 'YYYYMM') || '-' ||
                   b.customer_no, b.usage,
                   CASE WHEN b.penalty > 0 THEN
                       jsonb_build_array(jsonb_build_object('what',
                       'late penalty', 'rate_bp', b.late_penalty_bp,
                       'amount', b.penalty))
                       ELSE '[]'::jsonb END,
                   b.usage_amount, b.minimum_topup, b.fixed, b.admin_fee,
                   b.tax, b.penalty, b.total, b.arrears,
                   v_end + p_due_days, v_run
              FROM bill_new b WHERE b.invoice_id IS NULL
            RETURNING id, customer_id),
        target AS (
            SELECT id, customer_id FROM ins
            UNION ALL
            SELECT invoice_id, customer_id FROM bill_new
             WHERE invoice_state = 'open' AND differs)
        INSERT INTO invoice_meters (invoice_id, meter_id, period,
            reading_from, reading_to, usage, tariff_version_id, lines,
            usage_amount, minimum_topup, fixed, admin_fee, tax, total)
        SELECT t.id, c.meter_id, p_period, coalesce(c.reading_from, 0),
               c.reading_to, c.usage, c.version_id, (c.c).lines,
               (c.c).usage_amount, (c.c).minimum_topup, (c.c).fixed,
               (c.c).admin_fee, (c.c).tax, (c.c).total
          FROM target t
          JOIN bill_calc c ON c.customer_id = t.customer_id
         WHERE c.skip IS NULL;
        PERFORM hs_audit(p_actor, p_utility, 'billing.run', 'billing_run',
                         v_run::text, NULL, v_report - 'changes' - 'skips');
    END IF;
    UPDATE billing_runs SET finished_at = clock_timestamp(), report = v_report
     WHERE id = v_run;
    DROP TABLE bill_calc;
    DROP TABLE bill_new;
    RETURN v_report;
END $$;

-- The meters an invoice bills, for one line of text: "47040000029" or
-- "47040000029, 47040000037".
CREATE FUNCTION hs_invoice_meters_text(p_invoice bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT string_agg(m.number, ', ' ORDER BY m.number)
      FROM invoice_meters im JOIN meters m ON m.id = im.meter_id
     WHERE im.invoice_id = p_invoice;
$$;

-- An invoice with its meter sections.
CREATE OR REPLACE FUNCTION hs_invoice_json(i invoices) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', i.id, 'number', i.number,
        'customer_id', i.customer_id,
        'period', to_char(i.period, 'YYYY-MM'),
        'meter_numbers', hs_invoice_meters_text(i.id),
        'meters', coalesce((SELECT jsonb_agg(jsonb_build_object(
            'meter_id', im.meter_id, 'meter_number', m.number,
            'service', m.service_type, 'tariff', g.code,
            'reading_from', im.reading_from, 'reading_to', im.reading_to,
            'usage', im.usage, 'lines', im.lines, 'total', im.total)
            ORDER BY m.number)
            FROM invoice_meters im
            JOIN meters m ON m.id = im.meter_id
            JOIN tariff_versions v ON v.id = im.tariff_version_id
            JOIN tariff_groups g ON g.id = v.tariff_group_id
           WHERE im.invoice_id = i.id), '[]'::jsonb),
        'usage', i.usage, 'lines', i.lines, 'usage_amount', i.usage_amount,
        'minimum_topup', i.minimum_topup, 'fixed', i.fixed,
        'admin_fee', i.admin_fee, 'tax', i.tax, 'penalty', i.penalty,
        'total', i.total, 'arrears', i.arrears,
        'paid_amount', i.paid_amount, 'outstanding', i.total - i.paid_amount,
        'state', i.state, 'due_date', i.due_date, 'version', i.version,
        'issued_at', i.issued_at, 'updated_at', i.updated_at);
$$;

-- Bill notices name the customer number the bill is paid with.
CREATE OR REPLACE FUNCTION hs_bill_issued() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_items hs_notice[];
BEGIN
    SELECT array_agg(ROW(n.utility_id, n.customer_id,
           'Tagihan ' || to_char(n.period, 'MM/YYYY') || ' no. pelanggan ' ||
           c.number || ': ' || hs_rupiah(n.total) || ', jatuh tempo ' ||
           to_char(n.due_date, 'DD-MM-YYYY') || '.',
           jsonb_build_object('invoice', n.id, 'number', n.number,
               'period', to_char(n.period, 'YYYY-MM'), 'total', n.total,
               'due_date', n.due_date),
           'bill:' || n.id)::hs_notice)
      INTO v_items
      FROM new_invoices n JOIN customers c ON c.id = n.customer_id;
    IF v_items IS NOT NULL THEN
        PERFORM hs_notify_many('bill', 'Tagihan', v_items);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION hs_bill_overdue_notify(p_day date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_items hs_notice[];
BEGIN
    SELECT array_agg(ROW(i.utility_id, i.customer_id,
           'Tagihan ' || to_char(i.period, 'MM/YYYY') || ' no. pelanggan ' ||
           c.number || ' sebesar ' || hs_rupiah(i.total - i.paid_amount) ||
           ' lewat jatuh tempo ' || to_char(i.due_date, 'DD-MM-YYYY') ||
           '. Mohon segera dibayar agar layanan tidak dihentikan.',
           jsonb_build_object('invoice', i.id, 'number', i.number,
               'outstanding', i.total - i.paid_amount,
               'due_date', i.due_date, 'days_overdue', p_day - i.due_date),
           'overdue:' || i.id || ':' || ((p_day - i.due_date - 1) / 7))
           ::hs_notice)
      INTO v_items
      FROM invoices i JOIN customers c ON c.id = i.customer_id
     WHERE i.state IN ('open', 'partial') AND i.due_date < p_day;
    IF v_items IS NULL THEN
        RETURN 0;
    END IF;
    RETURN hs_notify_many('bill', 'Tagihan lewat jatuh tempo', v_items);
END $$;

-- Host to host inquiry: a bill per unpaid invoice, with its meters.
CREATE OR REPLACE FUNCTION hs_bill_inquiry(p_utility text, p_customer_no text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('customer_no', c.number, 'name', c.name,
        'bills', coalesce((SELECT jsonb_agg(jsonb_build_object(
            'invoice', i.number, 'period', to_char(i.period, 'YYYYMM'),
            'meter', hs_invoice_meters_text(i.id), 'usage', i.usage,
            'stand', (SELECT string_agg((im.reading_from / 1000) || '-' ||
                              (im.reading_to / 1000), ', ' ORDER BY m.number)
                        FROM invoice_meters im
                        JOIN meters m ON m.id = im.meter_id
                       WHERE im.invoice_id = i.id),
            'penalty', i.penalty, 'amount', i.total - i.paid_amount,
            'due_date', i.due_date) ORDER BY i.period, i.id)
            FROM invoices i
           WHERE i.customer_id = c.id AND i.state IN ('open', 'partial')),
            '[]'::jsonb),
        'total', (SELECT coalesce(sum(i.total - i.paid_amount), 0)::bigint
                    FROM invoices i WHERE i.customer_id = c.id
                     AND i.state IN ('open', 'partial')))
      FROM customers c JOIN utilities u ON u.id = c.utility_id
     WHERE u.code = p_utility AND c.number = p_customer_no;
$$;

-- Billed versus collected.  Per customer group and area each invoice
-- counts whole; per tariff group an invoice is split over its meter
-- sections in proportion to their charges (the penalty and payments
-- with them), so the tariff rows add up to the totals within a rupiah a
-- row.
CREATE OR REPLACE FUNCTION hs_api_billing_report(p_utility bigint,
                                                 p_period date)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH i AS (
        SELECT i.*, coalesce(g.code, '-') AS cgroup,
               coalesce(c.area, '-') AS area
          FROM invoices i
          JOIN customers c ON c.id = i.customer_id
          LEFT JOIN customer_groups g ON g.id = c.group_id
         WHERE i.utility_id = p_utility AND i.period = p_period
           AND i.state <> 'void'),
    s AS (
        SELECT i.id, t.code AS tariff, im.usage,
               CASE WHEN sum(im.total) OVER w = 0
                    THEN 1.0 / count(*) OVER w
                    ELSE im.total::numeric / sum(im.total) OVER w END
                   AS share,
               i.total, i.paid_amount
          FROM i
          JOIN invoice_meters im ON im.invoice_id = i.id
          JOIN tariff_versions v ON v.id = im.tariff_version_id
          JOIN tariff_groups t ON t.id = v.tariff_group_id
        WINDOW w AS (PARTITION BY i.id))
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
            FROM (SELECT 'tariff' AS by, tariff AS grp,
                         count(DISTINCT id) AS n,
                         sum(usage)::bigint AS usage,
                         round(sum(total * share))::bigint AS billed,
                         round(sum(paid_amount * share))::bigint AS collected
                    FROM s GROUP BY tariff
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

-- The field team disconnects a customer's active postpaid meters once
-- the customer's oldest unpaid invoice is p_days past due.
CREATE OR REPLACE FUNCTION hs_api_disconnections(p_utility bigint,
                                                 p_days integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('days', p_days, 'items', coalesce(jsonb_agg(
        jsonb_build_object('meter_id', m.id, 'meter', m.number,
            'customer_no', x.customer_no, 'customer', x.customer,
            'address', m.install_address, 'outstanding', x.outstanding,
            'oldest_due', x.oldest_due, 'days_overdue', x.days_overdue,
            'status', m.status)
        ORDER BY x.days_overdue DESC, m.number), '[]'::jsonb))
      FROM (SELECT c.id, c.number AS customer_no, c.name AS customer,
                   sum(i.total - i.paid_amount)::bigint AS outstanding,
                   min(i.due_date) AS oldest_due,
                   current_date - min(i.due_date) AS days_overdue
              FROM invoices i
              JOIN customers c ON c.id = i.customer_id
             WHERE i.utility_id = p_utility
               AND i.state IN ('open', 'partial')
             GROUP BY c.id
            HAVING current_date - min(i.due_date) >= p_days) x
      JOIN meters m ON m.customer_id = x.id AND m.billing = 'postpaid'
                   AND m.status = 'active';
$$;
