-- Postpaid billing: meter readings and their checks, the monthly billing
-- run, and invoices.
--
-- A postpaid meter is read once a period (a calendar month, stored as its
-- first day).  Usage is this period's reading minus the last one before
-- it.  A reading that looks wrong (lower than the last, far above the
-- customer's usual use, or estimated) is flagged and waits for a
-- supervisor, who approves it or corrects it; both are audited.  The
-- billing run prices every postpaid meter's usage under the tariff
-- version valid at the end of the period and writes one invoice per meter
-- and period: run it again and only what changed changes.

ALTER TABLE meters ADD COLUMN billing text NOT NULL DEFAULT 'prepaid'
    CHECK (billing IN ('prepaid', 'postpaid'));
CREATE INDEX meters_postpaid ON meters (utility_id) WHERE billing = 'postpaid';

CREATE TABLE readings (
    id            bigserial PRIMARY KEY,
    utility_id    bigint NOT NULL REFERENCES utilities,
    meter_id      bigint NOT NULL REFERENCES meters,
    period        date NOT NULL CHECK (extract(day FROM period) = 1),
    value         bigint NOT NULL CHECK (value >= 0),   -- the stand, litres
    previous      bigint,                 -- the stand it follows, if any
    usage         bigint,                 -- value - previous
    source        text NOT NULL CHECK (source IN ('technician', 'estimate',
                      'customer', 'import')),
    flags         text[] NOT NULL DEFAULT '{}',
    state         text NOT NULL CHECK (state IN ('accepted', 'flagged',
                      'approved', 'corrected', 'rejected')),
    read_at       timestamptz NOT NULL,
    photo         bytea CHECK (octet_length(photo) <= 1048576),
    photo_type    text CHECK (photo_type IN ('image/jpeg', 'image/png',
                      'image/webp')),
    note          text,
    taken_by      text NOT NULL,          -- actor
    client_id     text,                   -- the phone's id: offline retries
    reviewed_by   text,
    reviewed_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (taken_by, client_id)
);
-- One reading per meter and period counts for the bill.
CREATE UNIQUE INDEX readings_billable ON readings (meter_id, period)
    WHERE state IN ('accepted', 'approved', 'corrected');
CREATE INDEX readings_meter ON readings (meter_id, period DESC);
CREATE INDEX readings_flagged ON readings (utility_id, created_at)
    WHERE state = 'flagged';

CREATE TABLE billing_runs (
    id          bigserial PRIMARY KEY,
    utility_id  bigint NOT NULL REFERENCES utilities,
    period      date NOT NULL CHECK (extract(day FROM period) = 1),
    preview     boolean NOT NULL,
    actor       text NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    report      jsonb
);

CREATE TABLE invoices (
    id              bigserial PRIMARY KEY,
    utility_id      bigint NOT NULL REFERENCES utilities,
    customer_id     bigint NOT NULL REFERENCES customers,
    meter_id        bigint NOT NULL REFERENCES meters,
    period          date NOT NULL CHECK (extract(day FROM period) = 1),
    number          text NOT NULL UNIQUE,   -- printed: INV-YYYYMM-<meter>
    reading_from    bigint NOT NULL,
    reading_to      bigint NOT NULL,
    usage           bigint NOT NULL CHECK (usage >= 0),  -- litres
    tariff_version_id bigint NOT NULL REFERENCES tariff_versions,
    lines           jsonb NOT NULL,
    usage_amount    bigint NOT NULL,
    minimum_topup   bigint NOT NULL,
    fixed           bigint NOT NULL,
    admin_fee       bigint NOT NULL,
    tax             bigint NOT NULL,
    penalty         bigint NOT NULL,        -- on earlier overdue invoices
    total           bigint NOT NULL CHECK (total >= 0),   -- this period
    arrears         bigint NOT NULL,        -- unpaid before, for the print
    paid_amount     bigint NOT NULL DEFAULT 0,
    state           text NOT NULL DEFAULT 'open'
                    CHECK (state IN ('open', 'partial', 'paid', 'void')),
    due_date        date NOT NULL,
    run_id          bigint NOT NULL REFERENCES billing_runs,
    version         integer NOT NULL DEFAULT 1,
    issued_at       timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (meter_id, period)
);
CREATE INDEX invoices_customer ON invoices (customer_id, period DESC);
CREATE INDEX invoices_open ON invoices (utility_id, due_date)
    WHERE state IN ('open', 'partial');
CREATE INDEX invoices_period ON invoices (utility_id, period);

-- ------------------------------------------------------------- tariffs

-- A version's blocks as arrays: upper bounds in base units (NULL: open)
-- and prices in rupiah per m3 or kWh.
CREATE FUNCTION hs_blocks_upto(p jsonb) RETURNS bigint[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT array_agg((b->>'upto')::bigint ORDER BY i)
      FROM jsonb_array_elements(p) WITH ORDINALITY AS x (b, i);
$$;
CREATE FUNCTION hs_blocks_price(p jsonb) RETURNS bigint[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT array_agg((b->>'price')::bigint ORDER BY i)
      FROM jsonb_array_elements(p) WITH ORDINALITY AS x (b, i);
$$;

-- A period's charges for `units` used, as core/tariff's hs_tariff_bill
-- computes them (the billing test checks the two agree): usage through
-- the blocks from zero (milli-rupiah summed, rounded half up; each line
-- rounded half up), raised to the minimum charge, plus the fixed monthly
-- charge and the admin fee, then tax on usage.
CREATE TYPE hs_charges AS (usage_amount bigint, minimum_topup bigint,
    fixed bigint, admin_fee bigint, tax bigint, total bigint, lines jsonb);

CREATE FUNCTION hs_bill_charges(p_upto bigint[], p_price bigint[],
    p_units bigint, p_fixed bigint, p_minimum bigint, p_admin bigint,
    p_tax_bp integer)
RETURNS hs_charges LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    r hs_charges;
    v_from bigint := 0;
    v_to bigint;
    v_n bigint;
    v_milli bigint := 0;
    v_lines jsonb := '[]';
    i integer;
BEGIN
    FOR i IN 1 .. cardinality(p_price) LOOP
        EXIT WHEN v_from >= p_units;
        v_to := least(p_units, coalesce(p_upto[i], p_units));
        IF v_to > v_from THEN
            v_n := v_to - v_from;
            v_milli := v_milli + v_n * p_price[i];
            v_lines := v_lines || jsonb_build_object('what', 'block',
                'block', i, 'units', v_n, 'price', p_price[i],
                'amount', (v_n * p_price[i] + 500) / 1000);
        END IF;
        v_from := greatest(v_from, coalesce(p_upto[i], v_from));
    END LOOP;
    r.usage_amount := (v_milli + 500) / 1000;
    r.minimum_topup := greatest(p_minimum - r.usage_amount, 0);
    IF r.minimum_topup > 0 THEN
        v_lines := v_lines || jsonb_build_object('what', 'minimum charge',
            'amount', r.minimum_topup);
    END IF;
    r.fixed := p_fixed;
    IF p_fixed > 0 THEN
        v_lines := v_lines || jsonb_build_object('what',
            'fixed monthly charge', 'amount', p_fixed);
    END IF;
    r.admin_fee := p_admin;
    IF p_admin > 0 THEN
        v_lines := v_lines || jsonb_build_object('what', 'admin fee',
            'amount', p_admin);
    END IF;
    r.tax := ((r.usage_amount + r.minimum_topup) * p_tax_bp + 5000) / 10000;
    IF r.tax > 0 THEN
        v_lines := v_lines || jsonb_build_object('what', 'tax',
            'rate_bp', p_tax_bp, 'amount', r.tax);
    END IF;
    r.total := r.usage_amount + r.minimum_topup + r.fixed + r.admin_fee +
               r.tax;
    r.lines := v_lines;
    RETURN r;
END $$;

-- ------------------------------------------------------------ readings

-- The last reading that counts before p_period, and the customer's
-- usual use (the average of the last three billed periods).
CREATE FUNCTION hs_reading_context(p_meter bigint, p_period date)
RETURNS TABLE (previous bigint, usual bigint)
LANGUAGE sql STABLE AS $$
    SELECT (SELECT value FROM readings
             WHERE meter_id = p_meter AND period < p_period
               AND state IN ('accepted', 'approved', 'corrected')
             ORDER BY period DESC LIMIT 1),
           (SELECT avg(usage)::bigint FROM (SELECT usage FROM readings
             WHERE meter_id = p_meter AND period < p_period
               AND state IN ('accepted', 'approved', 'corrected')
               AND usage IS NOT NULL
             ORDER BY period DESC LIMIT 3) x);
$$;

-- A reading from the field (once per client id: a phone that was offline
-- sends its queue again without doubling anything).  Checks: lower than
-- the last reading, a jump above three times the usual use (and at least
-- 30 m3 more), an estimate, a second reading for a period: flagged for a
-- supervisor; otherwise accepted.
CREATE FUNCTION hs_reading_submit(p_actor text, p_utility bigint,
    p_meter bigint, p_period date, p_value bigint, p_source text,
    p_read_at timestamptz, p_client_id text, p_note text, p_photo bytea,
    p_photo_type text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    m meters;
    r readings;
    c record;
    v_flags text[] := '{}';
BEGIN
    SELECT * INTO r FROM readings
     WHERE taken_by = p_actor AND client_id = p_client_id;
    IF FOUND THEN
        RETURN hs_reading_json(r) || jsonb_build_object('replayed', true);
    END IF;
    SELECT * INTO m FROM meters WHERE id = p_meter AND utility_id = p_utility
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF m.billing <> 'postpaid' THEN
        RAISE EXCEPTION 'meter_id: meter % is prepaid; it is not read for '
              'bills', m.number USING ERRCODE = 'HS422';
    END IF;
    SELECT * INTO c FROM hs_reading_context(p_meter, p_period);
    IF c.previous IS NOT NULL AND p_value < c.previous THEN
        v_flags := v_flags || 'lower_than_last'::text;
    END IF;
    IF c.previous IS NOT NULL AND c.usual IS NOT NULL AND
       p_value - c.previous > greatest(3 * c.usual, c.usual + 30000) THEN
        v_flags := v_flags || 'jump'::text;
    END IF;
    IF p_source = 'estimate' THEN
        v_flags := v_flags || 'estimated'::text;
    END IF;
    IF EXISTS (SELECT 1 FROM readings WHERE meter_id = p_meter
                 AND period = p_period
                 AND state IN ('accepted', 'approved', 'corrected')) THEN
        v_flags := v_flags || 'second_reading'::text;
    END IF;
    INSERT INTO readings (utility_id, meter_id, period, value, previous,
        usage, source, flags, state, read_at, photo, photo_type, note,
        taken_by, client_id)
    VALUES (p_utility, p_meter, p_period, p_value, c.previous,
        p_value - c.previous, p_source, v_flags,
        CASE WHEN cardinality(v_flags) > 0 THEN 'flagged' ELSE 'accepted' END,
        coalesce(p_read_at, now()), p_photo, p_photo_type, p_note, p_actor,
        p_client_id)
    RETURNING * INTO r;
    RETURN hs_reading_json(r);
END $$;

CREATE FUNCTION hs_reading_json(r readings) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', r.id, 'meter_id', r.meter_id,
        'meter_number', (SELECT number FROM meters WHERE id = r.meter_id),
        'period', to_char(r.period, 'YYYY-MM'), 'value', r.value,
        'previous', r.previous, 'usage', r.usage, 'source', r.source,
        'flags', to_jsonb(r.flags), 'state', r.state, 'read_at', r.read_at,
        'has_photo', r.photo IS NOT NULL, 'note', r.note,
        'taken_by', r.taken_by, 'reviewed_by', r.reviewed_by,
        'reviewed_at', r.reviewed_at);
$$;

-- A supervisor's decision on a flagged reading: approve it as read, or
-- correct its value (with a reason), or reject it.  An approved or
-- corrected second reading replaces the one that counted.  Audited.
CREATE FUNCTION hs_reading_review(p_actor text, p_utility bigint,
    p_id bigint, p_action text, p_value bigint, p_note text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    r readings;
    n readings;
BEGIN
    SELECT * INTO r FROM readings WHERE id = p_id AND utility_id = p_utility
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF p_action NOT IN ('approve', 'correct', 'reject') THEN
        RAISE EXCEPTION 'action: approve, correct or reject'
              USING ERRCODE = 'HS422';
    END IF;
    IF p_action = 'correct' AND (p_value IS NULL OR p_value < 0) THEN
        RAISE EXCEPTION 'value: a correction needs the right stand'
              USING ERRCODE = 'HS422';
    END IF;
    IF p_action = 'correct' AND coalesce(p_note, '') = '' THEN
        RAISE EXCEPTION 'note: say why the reading is corrected'
              USING ERRCODE = 'HS422';
    END IF;
    IF r.state NOT IN ('flagged', 'accepted') THEN
        RAISE EXCEPTION 'state: reading % is already %', r.id, r.state
              USING ERRCODE = 'HS409';
    END IF;
    IF p_action <> 'reject' THEN
        UPDATE readings SET state = 'rejected', reviewed_by = p_actor,
               reviewed_at = now(), note = coalesce(note || ' / ', '') ||
               'replaced by reading ' || r.id
         WHERE meter_id = r.meter_id AND period = r.period AND id <> r.id
           AND state IN ('accepted', 'approved', 'corrected');
    END IF;
    UPDATE readings SET
        state = CASE p_action WHEN 'approve' THEN 'approved'
                WHEN 'correct' THEN 'corrected' ELSE 'rejected' END,
        value = CASE WHEN p_action = 'correct' THEN p_value ELSE value END,
        usage = CASE WHEN p_action = 'correct' AND previous IS NOT NULL
                THEN p_value - previous ELSE usage END,
        note = coalesce(p_note, note), reviewed_by = p_actor,
        reviewed_at = now()
     WHERE id = r.id
    RETURNING * INTO n;
    PERFORM hs_audit(p_actor, p_utility, 'reading:' || p_action, 'reading',
                     r.id::text, hs_reading_json(r), hs_reading_json(n));
    RETURN hs_reading_json(n);
END $$;

CREATE FUNCTION hs_api_readings(p_utility bigint, p_state text,
    p_meter bigint, p_period date, p_limit integer, p_offset integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH f AS (
        SELECT r, count(*) OVER () AS total FROM readings r
         WHERE r.utility_id = p_utility
           AND (p_state IS NULL OR r.state = p_state)
           AND (p_meter IS NULL OR r.meter_id = p_meter)
           AND (p_period IS NULL OR r.period = p_period)
         ORDER BY r.created_at DESC, r.id DESC
         LIMIT p_limit OFFSET p_offset)
    SELECT jsonb_build_object('items', coalesce(jsonb_agg(hs_reading_json(f.r)
        ORDER BY (f.r).created_at DESC, (f.r).id DESC), '[]'::jsonb),
        'total', coalesce(max(f.total), 0), 'limit', p_limit,
        'offset', p_offset)
      FROM f;
$$;

-- ---------------------------------------------------------- billing run

-- Bill every postpaid meter of a utility for a period.  Per meter: the
-- period's reading that counts and the last one before it (no reading,
-- or a stand lower than the last: skipped and reported), the usage priced
-- under the tariff version valid on the period's last day, a late penalty
-- on earlier invoices past due and unpaid (the tariff's rate per month),
-- and the arrears shown.  p_preview: compute and report, write nothing.
-- Otherwise a new invoice is created, an unpaid one whose amounts differ
-- is updated (version + 1), a paid or partly paid one is left and
-- reported if it would differ.  Set-based: one statement per step.
CREATE FUNCTION hs_billing_run(p_actor text, p_utility bigint,
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
    owed AS (
        SELECT i.meter_id,
               sum(i.total - i.paid_amount)::bigint AS arrears,
               sum(CASE WHEN i.due_date < v_end
                   THEN i.total - i.paid_amount ELSE 0 END)::bigint
                   AS overdue
          FROM invoices i
         WHERE i.utility_id = p_utility AND i.period < p_period
           AND i.state IN ('open', 'partial')
         GROUP BY i.meter_id)
    SELECT m.id AS meter_id, m.number, m.customer_id, tv.id AS version_id,
           prev.value AS reading_from, cur.value AS reading_to,
           cur.value - coalesce(prev.value, 0) AS usage,
           tv.late_penalty_bp, coalesce(owed.arrears, 0) AS arrears,
           coalesce(owed.overdue, 0) AS overdue,
           CASE WHEN tv.id IS NULL THEN 'no_tariff'
                WHEN cur.value IS NULL THEN 'no_reading'
                WHEN cur.value < coalesce(prev.value, 0) THEN 'lower_than_last'
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
      LEFT JOIN owed ON owed.meter_id = m.id;

    CREATE TEMP TABLE bill_new ON COMMIT DROP AS
    SELECT b.*, (b.overdue * b.late_penalty_bp + 5000) / 10000 AS penalty,
           (b.c).total + (b.overdue * b.late_penalty_bp + 5000) / 10000
               AS total,
           i.id AS invoice_id, i.state AS invoice_state,
           i.total AS old_total, i.usage AS old_usage,
           i.penalty AS old_penalty
      FROM bill_calc b
      LEFT JOIN invoices i ON i.meter_id = b.meter_id AND i.period = p_period
     WHERE b.skip IS NULL;

    v_report := jsonb_build_object(
        'run', v_run, 'period', to_char(p_period, 'YYYY-MM'),
        'preview', p_preview,
        'meters', (SELECT count(*) FROM bill_calc),
        'created', (SELECT count(*) FROM bill_new WHERE invoice_id IS NULL),
        'changed', (SELECT count(*) FROM bill_new WHERE invoice_id IS NOT NULL
                      AND invoice_state = 'open'
                      AND (old_total, old_usage, old_penalty)
                          IS DISTINCT FROM (total, usage, penalty)),
        'unchanged', (SELECT count(*) FROM bill_new
                       WHERE invoice_id IS NOT NULL
                         AND (old_total, old_usage, old_penalty)
                             IS NOT DISTINCT FROM (total, usage, penalty)),
        'locked', (SELECT count(*) FROM bill_new WHERE invoice_id IS NOT NULL
                     AND invoice_state <> 'open'
                     AND (old_total, old_usage, old_penalty)
                         IS DISTINCT FROM (total, usage, penalty)),
        'skipped', (SELECT count(*) FROM bill_calc WHERE skip IS NOT NULL),
        'billed_total', (SELECT coalesce(sum(total), 0)::bigint FROM bill_new),
        'changes', coalesce((SELECT jsonb_agg(jsonb_build_object(
                       'meter', number, 'invoice', invoice_id,
                       'was', old_total, 'now', total,
                       'locked', invoice_state <> 'open'))
                     FROM (SELECT * FROM bill_new
                            WHERE invoice_id IS NOT NULL
                              AND (old_total, old_usage, old_penalty)
                                  IS DISTINCT FROM (total, usage, penalty)
                            ORDER BY number LIMIT 1000) x), '[]'::jsonb),
        'skips', coalesce((SELECT jsonb_agg(jsonb_build_object(
                     'meter', number, 'reason', skip))
                   FROM (SELECT * FROM bill_calc WHERE skip IS NOT NULL
                          ORDER BY number LIMIT 1000) y), '[]'::jsonb));

    IF NOT p_preview THEN
        INSERT INTO invoices (utility_id, customer_id, meter_id, period,
            number, reading_from, reading_to, usage, tariff_version_id,
            lines, usage_amount, minimum_topup, fixed, admin_fee, tax,
            penalty, total, arrears, due_date, run_id)
        SELECT p_utility, b.customer_id, b.meter_id, p_period,
               'INV-' || to_char(p_period, 'YYYYMM') || '-' || b.number,
               coalesce(b.reading_from, 0), b.reading_to, b.usage,
               b.version_id,
               (b.c).lines || CASE WHEN b.penalty > 0 THEN
                   jsonb_build_array(jsonb_build_object('what', 'late penalty',
                   'rate_bp', b.late_penalty_bp, 'amount', b.penalty))
                   ELSE '[]'::jsonb END,
               (b.c).usage_amount, (b.c).minimum_topup, (b.c).fixed,
               (b.c).admin_fee, (b.c).tax, b.penalty, b.total, b.arrears,
               v_end + p_due_days, v_run
          FROM bill_new b WHERE b.invoice_id IS NULL;
        UPDATE invoices i SET
            reading_from = coalesce(b.reading_from, 0),
            reading_to = b.reading_to, usage = b.usage,
            tariff_version_id = b.version_id,
            lines = (b.c).lines || CASE WHEN b.penalty > 0 THEN
                jsonb_build_array(jsonb_build_object('what', 'late penalty',
                'rate_bp', b.late_penalty_bp, 'amount', b.penalty))
                ELSE '[]'::jsonb END,
            usage_amount = (b.c).usage_amount,
            minimum_topup = (b.c).minimum_topup, fixed = (b.c).fixed,
            admin_fee = (b.c).admin_fee, tax = (b.c).tax,
            penalty = b.penalty, total = b.total, arrears = b.arrears,
            run_id = v_run, version = i.version + 1, updated_at = now()
          FROM bill_new b
         WHERE i.id = b.invoice_id AND i.state = 'open'
           AND (b.old_total, b.old_usage, b.old_penalty)
               IS DISTINCT FROM (b.total, b.usage, b.penalty);
        PERFORM hs_audit(p_actor, p_utility, 'billing.run', 'billing_run',
                         v_run::text, NULL, v_report - 'changes' - 'skips');
    END IF;
    UPDATE billing_runs SET finished_at = clock_timestamp(), report = v_report
     WHERE id = v_run;
    DROP TABLE bill_calc;
    DROP TABLE bill_new;
    RETURN v_report;
END $$;

CREATE FUNCTION hs_invoice_json(i invoices) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', i.id, 'number', i.number,
        'customer_id', i.customer_id, 'meter_id', i.meter_id,
        'meter_number', (SELECT number FROM meters WHERE id = i.meter_id),
        'period', to_char(i.period, 'YYYY-MM'),
        'reading_from', i.reading_from, 'reading_to', i.reading_to,
        'usage', i.usage, 'lines', i.lines, 'usage_amount', i.usage_amount,
        'minimum_topup', i.minimum_topup, 'fixed', i.fixed,
        'admin_fee', i.admin_fee, 'tax', i.tax, 'penalty', i.penalty,
        'total', i.total, 'arrears', i.arrears,
        'paid_amount', i.paid_amount, 'outstanding', i.total - i.paid_amount,
        'state', i.state, 'due_date', i.due_date, 'version', i.version,
        'issued_at', i.issued_at, 'updated_at', i.updated_at);
$$;

CREATE FUNCTION hs_api_invoices(p_utility bigint, p_only bigint,
    p_customer bigint, p_period date, p_state text, p_limit integer,
    p_offset integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH f AS (
        SELECT i, count(*) OVER () AS total FROM invoices i
         WHERE i.utility_id = p_utility
           AND (p_only IS NULL OR i.customer_id = p_only)
           AND (p_customer IS NULL OR i.customer_id = p_customer)
           AND (p_period IS NULL OR i.period = p_period)
           AND (p_state IS NULL OR i.state = p_state)
         ORDER BY i.period DESC, i.id DESC
         LIMIT p_limit OFFSET p_offset)
    SELECT jsonb_build_object('items', coalesce(jsonb_agg(hs_invoice_json(f.i)
        ORDER BY (f.i).period DESC, (f.i).id DESC), '[]'::jsonb),
        'total', coalesce(max(f.total), 0), 'limit', p_limit,
        'offset', p_offset)
      FROM f;
$$;

CREATE FUNCTION hs_api_invoice(p_utility bigint, p_id bigint, p_only bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT hs_invoice_json(i) || jsonb_build_object(
        'customer', (SELECT jsonb_build_object('number', c.number,
                       'name', c.name, 'address', c.address)
                       FROM customers c WHERE c.id = i.customer_id),
        'utility', (SELECT jsonb_build_object('name', u.name,
                      'timezone', u.timezone)
                      FROM utilities u WHERE u.id = i.utility_id))
      FROM invoices i
     WHERE i.id = p_id AND i.utility_id = p_utility
       AND (p_only IS NULL OR i.customer_id = p_only);
$$;

CREATE FUNCTION hs_api_billing_runs(p_utility bigint, p_limit integer,
    p_offset integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('items', coalesce(jsonb_agg(jsonb_build_object(
        'id', r.id, 'period', to_char(r.period, 'YYYY-MM'),
        'preview', r.preview, 'actor', r.actor, 'started_at', r.started_at,
        'finished_at', r.finished_at, 'report', r.report - 'changes' - 'skips')
        ORDER BY r.id DESC), '[]'::jsonb), 'limit', p_limit,
        'offset', p_offset)
      FROM (SELECT * FROM billing_runs WHERE utility_id = p_utility
             ORDER BY id DESC LIMIT p_limit OFFSET p_offset) r;
$$;

-- The meter photo of a reading (the technician's proof), once.
CREATE FUNCTION hs_reading_photo(p_utility bigint, p_id bigint,
    p_photo bytea, p_type text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    r readings;
BEGIN
    UPDATE readings SET photo = p_photo, photo_type = p_type
     WHERE id = p_id AND utility_id = p_utility
    RETURNING * INTO r;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    RETURN hs_reading_json(r);
END $$;
