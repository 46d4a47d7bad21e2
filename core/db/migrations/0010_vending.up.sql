-- Prepaid vending: purchases, provider notifications, tokens, refunds,
-- idempotency keys and reconciliation.
--
-- The rule the whole schema serves: pay once, get exactly one token.
--   * every token input (key, amount, TID, random) is fixed when the
--     purchase is created, so a retried vend produces the same 20 digits;
--   * a provider's event is recorded once: UNIQUE (provider, event_id);
--   * the payment's "paid" and its vend job commit in one transaction;
--   * a purchase has at most one credit token: UNIQUE (purchase_id).
-- Each business step is one SQL function, so one statement is one
-- transaction and a crash between two steps leaves a consistent state
-- that the next step (or the reconciliation job) picks up.

CREATE TABLE idempotency_keys (
    actor        text NOT NULL,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash text NOT NULL,
    state        text NOT NULL CHECK (state IN ('running', 'done')),
    locked_until timestamptz,
    status       integer,
    response     text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor, key)
);

CREATE TABLE purchases (
    id              bigserial PRIMARY KEY,
    order_id        text NOT NULL UNIQUE,
    utility_id      bigint NOT NULL REFERENCES utilities,
    customer_id     bigint REFERENCES customers,
    meter_id        bigint NOT NULL REFERENCES meters,
    provider        text NOT NULL,
    counter         boolean NOT NULL DEFAULT false,
    state           text NOT NULL DEFAULT 'created' CHECK (state IN (
                        'created', 'pending', 'create_failed', 'paid',
                        'vended', 'failed', 'expired', 'cancelled',
                        'review', 'refund_due', 'refunded')),
    -- Money, whole rupiah: amount buys units (tax included), the admin
    -- fee comes on top, total is what the customer pays.
    amount          bigint NOT NULL CHECK (amount > 0),
    tax             bigint NOT NULL CHECK (tax >= 0),
    admin_fee       bigint NOT NULL CHECK (admin_fee >= 0),
    total           bigint NOT NULL CHECK (total = amount + admin_fee),
    units           bigint NOT NULL CHECK (units > 0),  -- litres or Wh
    quote           jsonb NOT NULL,
    tariff_version_id bigint REFERENCES tariff_versions,
    month_prior     bigint NOT NULL,  -- units bought earlier this month
    -- Token inputs, fixed here (the meter's key as it was, or as a
    -- pending key change will leave it).
    pan             text NOT NULL,
    sgc             integer NOT NULL,
    ti              smallint NOT NULL,
    krn             smallint NOT NULL,
    kt              smallint NOT NULL,
    ken             smallint NOT NULL,
    ea              smallint NOT NULL,
    dkga            smallint NOT NULL,
    base_date       smallint NOT NULL,
    token_subclass  smallint NOT NULL,
    token_amount    bigint NOT NULL CHECK (token_amount > 0),  -- 0.1 units
    rnd             smallint NOT NULL CHECK (rnd BETWEEN 0 AND 15),
    token_issued_at timestamptz NOT NULL,  -- its minute is the TID
    key_change_id   bigint REFERENCES key_change_orders,
    idem_actor      text,
    idem_key        text,
    -- The provider's side.
    provider_ref    text,
    action          text,
    redirect_url    text,
    instruction     text,
    expires_at      timestamptz NOT NULL,
    paid_at         timestamptz,
    paid_amount     bigint,
    failure         text,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (idem_actor, idem_key),
    -- A meter rejects a second token with the same TID (minute).
    UNIQUE (meter_id, token_issued_at)
);
CREATE UNIQUE INDEX purchases_provider_ref ON purchases (provider, provider_ref)
    WHERE provider_ref IS NOT NULL;
CREATE INDEX purchases_meter ON purchases (meter_id, created_at DESC);
CREATE INDEX purchases_customer ON purchases (customer_id, created_at DESC);
CREATE INDEX purchases_utility ON purchases (utility_id, created_at DESC);
CREATE INDEX purchases_open ON purchases (state, created_at)
    WHERE state IN ('created', 'pending', 'create_failed', 'paid');
CREATE INDEX purchases_paid_day ON purchases (provider, paid_at)
    WHERE paid_at IS NOT NULL;

-- Every verified provider notification (and every status the
-- reconciliation job learned), raw, once.
CREATE TABLE payment_events (
    id           bigserial PRIMARY KEY,
    provider     text NOT NULL,
    event_id     text NOT NULL,
    order_id     text NOT NULL,
    provider_ref text,
    state        text NOT NULL,
    amount       bigint,
    source       text NOT NULL CHECK (source IN ('webhook', 'reconcile')),
    body         text,
    purchase_id  bigint REFERENCES purchases,
    outcome      text,
    received_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider, event_id)
);
CREATE INDEX payment_events_purchase ON payment_events (purchase_id);

CREATE TABLE tokens (
    id          bigserial PRIMARY KEY,
    purchase_id bigint NOT NULL UNIQUE REFERENCES purchases,
    utility_id  bigint NOT NULL REFERENCES utilities,
    meter_id    bigint NOT NULL REFERENCES meters,
    customer_id bigint REFERENCES customers,
    token       text NOT NULL CHECK (token ~ '^[0-9]{20}$'),
    key_change  text[],          -- key change tokens delivered first
    units       bigint NOT NULL,
    hsm         text NOT NULL,   -- the plugin instance that made it
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tokens_meter ON tokens (meter_id, created_at DESC);
CREATE INDEX tokens_customer ON tokens (customer_id, created_at DESC);

CREATE TABLE refunds (
    id          bigserial PRIMARY KEY,
    purchase_id bigint NOT NULL UNIQUE REFERENCES purchases,
    utility_id  bigint NOT NULL REFERENCES utilities,
    amount      bigint NOT NULL CHECK (amount > 0),
    reason      text NOT NULL,
    state       text NOT NULL DEFAULT 'due' CHECK (state IN ('due', 'done')),
    reference   text,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    done_by     text,
    done_at     timestamptz
);

CREATE TABLE reconciliation_runs (
    id          bigserial PRIMARY KEY,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    trigger     text NOT NULL,
    checked     integer NOT NULL DEFAULT 0,
    settled     integer NOT NULL DEFAULT 0,
    closed      integer NOT NULL DEFAULT 0,
    mismatches  integer NOT NULL DEFAULT 0,
    errors      integer NOT NULL DEFAULT 0
);

CREATE TABLE reconciliation_items (
    id             bigserial PRIMARY KEY,
    run_id         bigint NOT NULL REFERENCES reconciliation_runs,
    purchase_id    bigint NOT NULL REFERENCES purchases,
    utility_id     bigint NOT NULL REFERENCES utilities,
    provider       text NOT NULL,
    our_state      text NOT NULL,
    provider_state text,
    our_amount     bigint NOT NULL,
    provider_amount bigint,
    outcome        text NOT NULL,
    detail         text,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reconciliation_items_run ON reconciliation_items (run_id);

-- ----------------------------------------------------------- idempotency

-- Begin a request under an Idempotency-Key.  Outcomes:
--   new      first use: the caller runs the request and then finishes it
--   resume   a run that stopped (crash) more than p_lease ago: run again
--   replay   done before: status and response are the stored reply
--   mismatch the key was used with another request body (422)
--   running  another request with this key is still running (409)
-- Keys are kept 24 hours.
CREATE FUNCTION hs_idem_begin(p_actor text, p_key text, p_hash text,
    p_lease interval, OUT outcome text, OUT status integer,
    OUT response text)
LANGUAGE plpgsql AS $$
DECLARE
    v idempotency_keys;
BEGIN
    DELETE FROM idempotency_keys
     WHERE actor = p_actor AND key = p_key
       AND created_at < now() - interval '24 hours';
    INSERT INTO idempotency_keys (actor, key, request_hash, state,
                                  locked_until)
    VALUES (p_actor, p_key, p_hash, 'running', now() + p_lease)
    ON CONFLICT DO NOTHING;
    IF FOUND THEN
        outcome := 'new';
        RETURN;
    END IF;
    SELECT * INTO v FROM idempotency_keys
     WHERE actor = p_actor AND key = p_key FOR UPDATE;
    IF v.request_hash <> p_hash THEN
        outcome := 'mismatch';
    ELSIF v.state = 'done' THEN
        outcome := 'replay';
        status := v.status;
        response := v.response;
    ELSIF v.locked_until > now() THEN
        outcome := 'running';
    ELSE
        UPDATE idempotency_keys SET locked_until = now() + p_lease
         WHERE actor = p_actor AND key = p_key;
        outcome := 'resume';
    END IF;
END $$;

CREATE FUNCTION hs_idem_finish(p_actor text, p_key text, p_status integer,
                               p_response text)
RETURNS void LANGUAGE sql AS $$
    UPDATE idempotency_keys
       SET state = 'done', status = p_status, response = p_response,
           locked_until = NULL
     WHERE actor = p_actor AND key = p_key;
$$;

-- Forget a run whose outcome must not be replayed (the provider was
-- down): the client may retry with the same key and body.
CREATE FUNCTION hs_idem_release(p_actor text, p_key text)
RETURNS void LANGUAGE sql AS $$
    DELETE FROM idempotency_keys
     WHERE actor = p_actor AND key = p_key AND state = 'running';
$$;

-- -------------------------------------------------------------- quoting

-- Units a meter has bought this calendar month (in the utility's zone):
-- progressive water blocks price each purchase after the earlier ones.
-- Orders still awaiting payment count, so that two orders made at once
-- are not both priced from the cheap first block.
CREATE FUNCTION hs_vend_month_prior(p_meter bigint, p_zone text)
RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(units), 0)::bigint FROM purchases
     WHERE meter_id = p_meter
       AND state IN ('created', 'pending', 'paid', 'vended')
       AND created_at >= date_trunc('month', now() AT TIME ZONE p_zone)
                         AT TIME ZONE p_zone;
$$;

-- What the server needs to quote a purchase for a meter: the meter and
-- its key, the tariff version valid today, and the month so far.  A
-- customer (p_only) sees only their own meters.
CREATE FUNCTION hs_vend_quote_inputs(p_utility bigint, p_meter bigint,
                                     p_only bigint)
RETURNS TABLE (meter_id bigint, number text, status text,
               service_type text, customer_id bigint, tariff_version_id bigint,
               blocks text, admin_fee bigint, tax_bp integer, prior bigint,
               tariff_code text, zone text, customer_name text,
               customer_phone text, customer_email text)
LANGUAGE sql STABLE AS $$
    SELECT m.id, m.number, m.status, m.service_type, m.customer_id, v.id,
           v.blocks::text, v.admin_fee, v.tax_bp,
           hs_vend_month_prior(m.id, u.timezone), g.code, u.timezone,
           c.name, c.phone, c.email
      FROM meters m
      JOIN utilities u ON u.id = m.utility_id
      LEFT JOIN customers c ON c.id = m.customer_id
      LEFT JOIN tariff_groups g ON g.id = m.tariff_group_id
      LEFT JOIN LATERAL (
            SELECT * FROM tariff_versions tv
             WHERE tv.tariff_group_id = g.id
               AND tv.valid_from <= (now() AT TIME ZONE u.timezone)::date
             ORDER BY tv.valid_from DESC LIMIT 1) v ON true
     WHERE m.id = p_meter AND m.utility_id = p_utility
       AND (p_only IS NULL OR m.customer_id = p_only);
$$;

-- ------------------------------------------------------------ purchases

CREATE FUNCTION hs_purchase_json(p purchases) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', p.id, 'order_id', p.order_id, 'meter_id', p.meter_id,
        'meter_number', (SELECT number FROM meters WHERE id = p.meter_id),
        'customer_id', p.customer_id, 'provider', p.provider,
        'state', p.state, 'amount', p.amount, 'tax', p.tax,
        'admin_fee', p.admin_fee, 'total', p.total, 'units', p.units,
        'unit', (SELECT s.unit FROM meters m JOIN service_types s
                   ON s.code = m.service_type WHERE m.id = p.meter_id),
        'quote', p.quote,
        'payment', jsonb_build_object('action', p.action,
            'redirect_url', p.redirect_url, 'instruction', p.instruction,
            'provider_ref', p.provider_ref, 'expires_at', p.expires_at),
        'paid_at', p.paid_at, 'paid_amount', p.paid_amount,
        'failure', p.failure,
        'token', t.token, 'key_change_tokens', t.key_change,
        'token_issued_at', t.created_at,
        'refund', (SELECT jsonb_build_object('state', r.state, 'amount',
                     r.amount, 'reason', r.reason, 'reference', r.reference)
                     FROM refunds r WHERE r.purchase_id = p.id),
        'created_by', p.created_by, 'created_at', p.created_at,
        'updated_at', p.updated_at)
      FROM (SELECT 1) x
      LEFT JOIN tokens t ON t.purchase_id = p.id;
$$;

-- Create a purchase (or find the one an earlier run of the same
-- Idempotency-Key created).  The server quoted it from the inputs above;
-- p_prior is the month's total it quoted from, checked again here under
-- the meter's lock (SQLSTATE HS409 'prior' asks the server to re-quote).
-- Every token input is fixed now: the meter's key (or the key a pending
-- key change moves it to, whose tokens are delivered first), the amount,
-- the random field and the TID, at least a minute after the meter's last.
CREATE FUNCTION hs_purchase_create(p_actor text, p_utility bigint,
    p_meter bigint, p_only bigint, p_provider text, p_counter boolean,
    p_amount bigint, p_tax bigint, p_admin_fee bigint, p_units bigint,
    p_token_amount bigint, p_quote jsonb, p_tariff_version bigint,
    p_prior bigint, p_rnd integer, p_idem_actor text, p_idem_key text,
    p_expires_minutes integer)
RETURNS TABLE (created boolean, purchase jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    m meters;
    u utilities;
    k key_change_orders;
    p purchases;
    v_tid timestamptz;
    v_id bigint;
BEGIN
    IF p_idem_key IS NOT NULL THEN
        SELECT * INTO p FROM purchases
         WHERE idem_actor = p_idem_actor AND idem_key = p_idem_key;
        IF FOUND THEN
            created := false;
            purchase := hs_purchase_json(p);
            RETURN NEXT;
            RETURN;
        END IF;
    END IF;
    SELECT * INTO m FROM meters
     WHERE id = p_meter AND utility_id = p_utility
       AND (p_only IS NULL OR customer_id = p_only)
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'meter_id: no such meter' USING ERRCODE = 'HS404';
    END IF;
    IF m.status <> 'active' THEN
        RAISE EXCEPTION 'meter_id: the meter is %, tokens cannot be sold',
            m.status USING ERRCODE = 'HS422';
    END IF;
    SELECT * INTO u FROM utilities WHERE id = p_utility;
    IF hs_vend_month_prior(p_meter, u.timezone) <> p_prior THEN
        RAISE EXCEPTION 'prior: the month total changed' USING ERRCODE = 'HS409';
    END IF;
    SELECT * INTO k FROM key_change_orders
     WHERE meter_id = p_meter AND state = 'pending';
    SELECT greatest(date_trunc('minute', now()),
                    max(token_issued_at) + interval '1 minute')
      INTO v_tid FROM purchases WHERE meter_id = p_meter;
    v_tid := coalesce(v_tid, date_trunc('minute', now()));
    v_id := nextval('purchases_id_seq');
    INSERT INTO purchases (id, order_id, utility_id, customer_id, meter_id,
        provider, counter, amount, tax, admin_fee, total, units, quote,
        tariff_version_id, month_prior, pan, sgc, ti, krn, kt, ken, ea,
        dkga, base_date, token_subclass, token_amount, rnd, token_issued_at,
        key_change_id, idem_actor, idem_key, expires_at, created_by)
    VALUES (v_id, 'HS-' || to_char(now() AT TIME ZONE u.timezone, 'YYMMDD')
            || '-' || v_id,
        p_utility, m.customer_id, m.id, p_provider, p_counter, p_amount,
        p_tax, p_admin_fee, p_amount + p_admin_fee, p_units, p_quote,
        p_tariff_version, p_prior, m.pan,
        coalesce(k.to_sgc, m.sgc), coalesce(k.to_ti, m.tariff_index),
        coalesce(k.to_krn, m.key_revision), coalesce(k.to_kt, m.key_type),
        m.key_expiry, CASE m.algorithm WHEN 'EA07' THEN 7 ELSE 11 END,
        coalesce(k.to_dkga, m.dkga), coalesce(k.to_base_date, m.base_date),
        CASE m.service_type WHEN 'water' THEN 1 ELSE 0 END,
        p_token_amount, p_rnd, v_tid, k.id, p_idem_actor, p_idem_key,
        now() + make_interval(mins => p_expires_minutes), p_actor)
    RETURNING * INTO p;
    created := true;
    purchase := hs_purchase_json(p);
    RETURN NEXT;
END $$;

-- The provider created the payment: remember what the customer must do,
-- and store the reply under the Idempotency-Key in the same transaction.
-- A counter payment (cash) is paid at once, and its vend job commits
-- with it.
CREATE FUNCTION hs_purchase_created(p_order text, p_provider_ref text,
    p_action text, p_redirect text, p_instruction text,
    p_expires timestamptz, p_paid boolean)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    p purchases;
BEGIN
    UPDATE purchases
       SET state = CASE WHEN p_paid THEN 'paid'
                        WHEN state IN ('created', 'create_failed')
                        THEN 'pending' ELSE state END,
           provider_ref = coalesce(p_provider_ref, provider_ref),
           action = p_action, redirect_url = p_redirect,
           instruction = p_instruction,
           expires_at = coalesce(p_expires, expires_at),
           paid_at = CASE WHEN p_paid THEN now() ELSE paid_at END,
           paid_amount = CASE WHEN p_paid THEN total ELSE paid_amount END,
           failure = NULL, updated_at = now()
     WHERE order_id = p_order
    RETURNING * INTO p;
    IF p_paid THEN
        PERFORM hs_job_enqueue('vend.token',
            jsonb_build_object('purchase', p.id), 'purchase:' || p.id,
            'vend');
        PERFORM hs_audit(p.created_by, p.utility_id, 'payment.counter',
            'purchase', p.id::text, NULL, jsonb_build_object('order',
            p.order_id, 'total', p.total, 'provider', p.provider));
    END IF;
    RETURN hs_purchase_json(p);
END $$;

-- The provider could not create the payment.  p_retryable: it was down
-- (the order waits in create_failed; reconciliation asks the provider
-- about it later in case the create did reach it); otherwise the order
-- failed for good.
CREATE FUNCTION hs_purchase_create_failed(p_order text, p_reason text,
                                          p_retryable boolean)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    p purchases;
BEGIN
    UPDATE purchases
       SET state = CASE WHEN p_retryable THEN 'create_failed'
                        ELSE 'failed' END,
           failure = p_reason, updated_at = now()
     WHERE order_id = p_order AND state IN ('created', 'create_failed')
    RETURNING * INTO p;
    RETURN hs_purchase_json(p);
END $$;

-- ---------------------------------------------------- payment events

-- Apply one verified event from a provider (a webhook, or a status the
-- reconciliation job asked for), exactly once per (provider, event_id).
-- "paid" and the vend job commit together; the vend job's dedupe key
-- makes a second enqueue a no-op even from another event id.  Returns
-- the outcome: duplicate, unknown_order, paid, already_paid,
-- amount_mismatch, closed, pending, refunded, ignored.
CREATE FUNCTION hs_payment_event(p_provider text, p_event text,
    p_order text, p_ref text, p_state text, p_amount bigint, p_source text,
    p_body text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
    p purchases;
    v_out text;
BEGIN
    INSERT INTO payment_events (provider, event_id, order_id, provider_ref,
        state, amount, source, body)
    VALUES (p_provider, p_event, p_order, p_ref, p_state, p_amount,
            p_source, p_body)
    ON CONFLICT (provider, event_id) DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        RETURN 'duplicate';
    END IF;
    SELECT * INTO p FROM purchases
     WHERE order_id = p_order AND provider = p_provider FOR UPDATE;
    IF NOT FOUND THEN
        UPDATE payment_events SET outcome = 'unknown_order' WHERE id = v_id;
        RETURN 'unknown_order';
    END IF;

    IF p_state = 'paid' THEN
        IF p.state IN ('paid', 'vended', 'refund_due', 'refunded',
                       'review') THEN
            v_out := 'already_paid';
        ELSIF p_amount IS DISTINCT FROM p.total THEN
            -- Money arrived, but not what was ordered: never vend a
            -- different amount; staff decide (refund or re-order).
            UPDATE purchases SET state = 'review', paid_at = now(),
                   paid_amount = p_amount, provider_ref =
                   coalesce(provider_ref, p_ref), failure = format(
                   'paid %s, ordered %s', p_amount, p.total),
                   updated_at = now()
             WHERE id = p.id;
            v_out := 'amount_mismatch';
        ELSE
            -- Paid, even if we had given up on it (expired, cancelled,
            -- failed): the customer's money is in, so the token is owed.
            UPDATE purchases SET state = 'paid', paid_at = now(),
                   paid_amount = p_amount, provider_ref =
                   coalesce(provider_ref, p_ref), failure = NULL,
                   updated_at = now()
             WHERE id = p.id;
            PERFORM hs_job_enqueue('vend.token',
                jsonb_build_object('purchase', p.id), 'purchase:' || p.id,
                'vend');
            v_out := 'paid';
        END IF;
    ELSIF p_state IN ('failed', 'expired', 'cancelled') THEN
        IF p.state IN ('created', 'pending', 'create_failed') THEN
            UPDATE purchases SET state = p_state, updated_at = now(),
                   failure = 'provider: ' || p_state
             WHERE id = p.id;
            v_out := 'closed';
        ELSE
            v_out := 'ignored';
        END IF;
    ELSIF p_state = 'pending' THEN
        IF p.state IN ('created', 'create_failed') THEN
            UPDATE purchases SET state = 'pending', updated_at = now(),
                   provider_ref = coalesce(provider_ref, p_ref)
             WHERE id = p.id;
        END IF;
        v_out := 'pending';
    ELSIF p_state = 'refunded' THEN
        IF p.state = 'vended' THEN
            -- Refunded after the token was issued: a loss to look at.
            UPDATE purchases SET state = 'review', updated_at = now(),
                   failure = 'provider refunded after the token was issued'
             WHERE id = p.id;
            v_out := 'refunded_after_token';
        ELSE
            UPDATE purchases SET state = 'refunded', updated_at = now()
             WHERE id = p.id;
            v_out := 'refunded';
        END IF;
    ELSE
        v_out := 'ignored';
    END IF;
    UPDATE payment_events SET outcome = v_out, purchase_id = p.id
     WHERE id = v_id;
    RETURN v_out;
END $$;

-- ------------------------------------------------------------- vending

-- Everything a vend needs, in one row.
CREATE FUNCTION hs_vend_inputs(p_purchase bigint)
RETURNS TABLE (state text, token text, pan text, sgc integer, ti smallint,
               krn smallint, kt smallint, ken smallint, ea smallint,
               dkga smallint, base_date smallint, subclass smallint,
               token_amount bigint, rnd smallint, issued_at bigint,
               meter_status text, paid_for_seconds bigint, order_id text)
LANGUAGE sql STABLE AS $$
    SELECT p.state, t.token, p.pan, p.sgc, p.ti, p.krn, p.kt, p.ken, p.ea,
           p.dkga, p.base_date, p.token_subclass, p.token_amount, p.rnd,
           extract(epoch FROM p.token_issued_at)::bigint, m.status,
           extract(epoch FROM now() - p.paid_at)::bigint, p.order_id
      FROM purchases p
      JOIN meters m ON m.id = p.meter_id
      LEFT JOIN tokens t ON t.purchase_id = p.id
     WHERE p.id = p_purchase;
$$;

-- What follows a stored token, in its transaction: the notice to the
-- customer.  Here a notify.token job; migration 0011, which brings the
-- outbox, writes the notice directly.
CREATE FUNCTION hs_vend_after_store(p_purchase bigint)
RETURNS void LANGUAGE sql AS $$
    SELECT NULL FROM (SELECT hs_job_enqueue('notify.token',
        jsonb_build_object('purchase', p_purchase), 'token:' || p_purchase,
        'vend')) x;
$$;

-- Store the token, once, and finish the vend job (p_job, leased by
-- p_worker) in the same transaction: one commit per vend.  A second call
-- (a retried job after a crash) finds the first token and returns it
-- unchanged.  A pending key change delivered with this token moves the
-- meter to its new key.  The customer's notice commits with the token.
CREATE FUNCTION hs_vend_store(p_purchase bigint, p_token text, p_hsm text,
                              p_job bigint, p_worker text)
RETURNS TABLE (token text, stored boolean)
LANGUAGE plpgsql AS $$
DECLARE
    p purchases;
    k key_change_orders;
    v_token text;
BEGIN
    SELECT * INTO p FROM purchases WHERE id = p_purchase FOR UPDATE;
    UPDATE jobs SET state = 'done', finished_at = now(), last_error = NULL,
           leased_until = NULL, leased_by = NULL
     WHERE id = p_job AND leased_by = p_worker AND state = 'running';
    SELECT t.token INTO v_token FROM tokens t WHERE t.purchase_id = p.id;
    IF FOUND THEN
        token := v_token;
        stored := false;
        RETURN NEXT;
        RETURN;
    END IF;
    IF p.state <> 'paid' THEN
        RAISE EXCEPTION 'state: purchase % is %, not paid', p.id, p.state
            USING ERRCODE = 'HS409';
    END IF;
    IF p.key_change_id IS NOT NULL THEN
        SELECT * INTO k FROM key_change_orders WHERE id = p.key_change_id;
    END IF;
    INSERT INTO tokens (purchase_id, utility_id, meter_id, customer_id,
                        token, key_change, units, hsm)
    VALUES (p.id, p.utility_id, p.meter_id, p.customer_id, p_token,
            k.tokens, p.units, p_hsm);
    UPDATE purchases SET state = 'vended', updated_at = now()
     WHERE id = p.id;
    IF k.id IS NOT NULL AND k.state = 'pending' THEN
        UPDATE key_change_orders SET state = 'delivered' WHERE id = k.id;
        UPDATE meters SET sgc = k.to_sgc, tariff_index = k.to_ti,
               key_revision = k.to_krn, key_type = k.to_kt,
               base_date = k.to_base_date, dkga = k.to_dkga,
               updated_at = now()
         WHERE id = p.meter_id;
    END IF;
    PERFORM hs_vend_after_store(p.id);
    token := p_token;
    stored := true;
    RETURN NEXT;
END $$;

-- A paid purchase that can never be vended (the meter was removed):
-- the money is owed back.  Recorded once; staff complete it.
CREATE FUNCTION hs_vend_refund_due(p_purchase bigint, p_reason text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    p purchases;
BEGIN
    SELECT * INTO p FROM purchases WHERE id = p_purchase FOR UPDATE;
    IF p.state <> 'paid' THEN
        RETURN;
    END IF;
    UPDATE purchases SET state = 'refund_due', failure = p_reason,
           updated_at = now()
     WHERE id = p.id;
    INSERT INTO refunds (purchase_id, utility_id, amount, reason, created_by)
    VALUES (p.id, p.utility_id, coalesce(p.paid_amount, p.total), p_reason,
            'system:vend')
    ON CONFLICT (purchase_id) DO NOTHING;
    PERFORM hs_audit('system:vend', p.utility_id, 'refund.due', 'purchase',
        p.id::text, NULL, jsonb_build_object('reason', p_reason,
        'amount', coalesce(p.paid_amount, p.total)));
END $$;

-- --------------------------------------------------------- staff actions

-- Record that a refund was paid back (or record a refund for a purchase
-- in review).  Never for a purchase whose token was issued: a token
-- cannot be taken back from a meter.
CREATE FUNCTION hs_purchase_refund(p_actor text, p_utility bigint,
    p_purchase bigint, p_reason text, p_reference text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    p purchases;
    v_before jsonb;
BEGIN
    SELECT * INTO p FROM purchases
     WHERE id = p_purchase AND utility_id = p_utility FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF p.state NOT IN ('refund_due', 'review', 'paid') THEN
        RAISE EXCEPTION 'state: a % purchase cannot be refunded', p.state
            USING ERRCODE = 'HS422';
    END IF;
    IF EXISTS (SELECT 1 FROM tokens WHERE purchase_id = p.id) THEN
        RAISE EXCEPTION 'state: a token was issued for this purchase'
            USING ERRCODE = 'HS422';
    END IF;
    v_before := hs_purchase_json(p);
    INSERT INTO refunds (purchase_id, utility_id, amount, reason, state,
                         reference, created_by, done_by, done_at)
    VALUES (p.id, p.utility_id, coalesce(p.paid_amount, p.total), p_reason,
            'done', p_reference, p_actor, p_actor, now())
    ON CONFLICT (purchase_id) DO UPDATE
       SET state = 'done', reference = p_reference, done_by = p_actor,
           done_at = now();
    UPDATE purchases SET state = 'refunded', updated_at = now()
     WHERE id = p.id RETURNING * INTO p;
    -- A paid purchase's queued vend must not run any more.
    UPDATE jobs SET state = 'done', finished_at = now(),
           last_error = 'refunded'
     WHERE kind = 'vend.token' AND dedupe_key = 'purchase:' || p.id
       AND state = 'queued';
    PERFORM hs_audit(p_actor, p_utility, 'refund', 'purchase', p.id::text,
        v_before, hs_purchase_json(p));
    RETURN hs_purchase_json(p);
END $$;

-- A customer or staff member gives up an unpaid order.
CREATE FUNCTION hs_purchase_cancel(p_actor text, p_utility bigint,
    p_purchase bigint, p_only bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    p purchases;
BEGIN
    UPDATE purchases SET state = 'cancelled', updated_at = now(),
           failure = 'cancelled by ' || p_actor
     WHERE id = p_purchase AND utility_id = p_utility
       AND (p_only IS NULL OR customer_id = p_only)
       AND state IN ('created', 'pending', 'create_failed')
    RETURNING * INTO p;
    IF NOT FOUND THEN
        IF EXISTS (SELECT 1 FROM purchases WHERE id = p_purchase
                      AND utility_id = p_utility
                      AND (p_only IS NULL OR customer_id = p_only)) THEN
            RAISE EXCEPTION 'state: only an unpaid purchase can be cancelled'
                USING ERRCODE = 'HS422';
        END IF;
        RETURN NULL;
    END IF;
    RETURN hs_purchase_json(p);
END $$;

-- Send an issued token again (the customer lost the SMS).
CREATE FUNCTION hs_purchase_resend(p_actor text, p_utility bigint,
    p_purchase bigint, p_only bigint, p_channel text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    p purchases;
BEGIN
    SELECT * INTO p FROM purchases
     WHERE id = p_purchase AND utility_id = p_utility
       AND (p_only IS NULL OR customer_id = p_only);
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM tokens WHERE purchase_id = p.id) THEN
        RAISE EXCEPTION 'state: no token has been issued for this purchase'
            USING ERRCODE = 'HS422';
    END IF;
    PERFORM hs_job_enqueue('notify.token', jsonb_build_object('purchase',
        p.id, 'channel', p_channel, 'resend', true), NULL, 'resend');
    PERFORM hs_audit(p_actor, p_utility, 'token.resend', 'purchase',
        p.id::text, NULL, jsonb_build_object('channel', p_channel));
    RETURN jsonb_build_object('purchase', p.id, 'queued', true,
                              'channel', p_channel);
END $$;

-- ------------------------------------------------------------- reading

CREATE FUNCTION hs_api_purchase(p_utility bigint, p_id bigint, p_only bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT hs_purchase_json(p) FROM purchases p
     WHERE p.id = p_id AND p.utility_id = p_utility
       AND (p_only IS NULL OR p.customer_id = p_only);
$$;

CREATE FUNCTION hs_api_purchases(p_utility bigint, p_only bigint,
    p_meter bigint, p_customer bigint, p_state text, p_provider text,
    p_limit integer, p_offset integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH f AS (
        SELECT p, count(*) OVER () AS total
          FROM purchases p
         WHERE p.utility_id = p_utility
           AND (p_only IS NULL OR p.customer_id = p_only)
           AND (p_meter IS NULL OR p.meter_id = p_meter)
           AND (p_customer IS NULL OR p.customer_id = p_customer)
           AND (p_state IS NULL OR p.state = p_state)
           AND (p_provider IS NULL OR p.provider = p_provider)
         ORDER BY p.created_at DESC, p.id DESC
         LIMIT p_limit OFFSET p_offset)
    SELECT jsonb_build_object(
        'items', coalesce(jsonb_agg(hs_purchase_json(f.p)
                          ORDER BY (f.p).created_at DESC, (f.p).id DESC),
                          '[]'::jsonb),
        'total', coalesce(max(f.total), 0),
        'limit', p_limit, 'offset', p_offset)
      FROM f;
$$;

-- Token history of a meter or a customer, newest first.
CREATE FUNCTION hs_api_tokens(p_utility bigint, p_only bigint,
    p_meter bigint, p_customer bigint, p_limit integer, p_offset integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH f AS (
        SELECT t, p, m, count(*) OVER () AS total
          FROM tokens t
          JOIN purchases p ON p.id = t.purchase_id
          JOIN meters m ON m.id = t.meter_id
         WHERE t.utility_id = p_utility
           AND (p_only IS NULL OR t.customer_id = p_only)
           AND (p_meter IS NULL OR t.meter_id = p_meter)
           AND (p_customer IS NULL OR t.customer_id = p_customer)
         ORDER BY t.created_at DESC, t.id DESC
         LIMIT p_limit OFFSET p_offset)
    SELECT jsonb_build_object(
        'items', coalesce(jsonb_agg(jsonb_build_object(
            'purchase_id', (f.p).id, 'order_id', (f.p).order_id,
            'meter_id', (f.m).id, 'meter_number', (f.m).number,
            'customer_id', (f.t).customer_id, 'token', (f.t).token,
            'key_change_tokens', (f.t).key_change,
            'units', (f.t).units, 'amount', (f.p).amount,
            'total', (f.p).total, 'provider', (f.p).provider,
            'issued_at', (f.t).created_at)
            ORDER BY (f.t).created_at DESC, (f.t).id DESC), '[]'::jsonb),
        'total', coalesce(max(f.total), 0),
        'limit', p_limit, 'offset', p_offset)
      FROM f;
$$;

-- A receipt's facts: purchase, utility, customer, meter.
CREATE FUNCTION hs_api_receipt(p_utility bigint, p_id bigint, p_only bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT hs_purchase_json(p) || jsonb_build_object(
        'utility_name', u.name, 'utility_zone', u.timezone,
        'customer_name', c.name, 'customer_number', c.number,
        'meter_address', m.install_address, 'service_type', m.service_type,
        'tariff', g.code,
        'paid_at_local', to_char(p.paid_at AT TIME ZONE u.timezone,
                                 'DD-MM-YYYY HH24:MI'),
        'zone_name', CASE u.timezone WHEN 'Asia/Jakarta' THEN 'WIB'
                     WHEN 'Asia/Makassar' THEN 'WITA' ELSE 'WIT' END)
      FROM purchases p
      JOIN utilities u ON u.id = p.utility_id
      JOIN meters m ON m.id = p.meter_id
      LEFT JOIN customers c ON c.id = p.customer_id
      LEFT JOIN tariff_groups g ON g.id = m.tariff_group_id
     WHERE p.id = p_id AND p.utility_id = p_utility
       AND (p_only IS NULL OR p.customer_id = p_only);
$$;

-- The daily settlement report: every payment a provider settled on one
-- day of the utility's calendar, with the token it bought.
CREATE FUNCTION hs_api_settlement(p_utility bigint, p_day date,
                                  p_provider text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH u AS (SELECT * FROM utilities WHERE id = p_utility),
    f AS (
        SELECT p.*, t.token, t.created_at AS token_at
          FROM purchases p CROSS JOIN u
          LEFT JOIN tokens t ON t.purchase_id = p.id
         WHERE p.utility_id = p_utility AND p.paid_at IS NOT NULL
           AND (p_provider IS NULL OR p.provider = p_provider)
           AND p.paid_at >= p_day::timestamp AT TIME ZONE u.timezone
           AND p.paid_at < (p_day + 1)::timestamp AT TIME ZONE u.timezone)
    SELECT jsonb_build_object(
        'day', p_day, 'provider', p_provider,
        'items', coalesce(jsonb_agg(jsonb_build_object(
            'provider', f.provider, 'order_id', f.order_id,
            'provider_ref', f.provider_ref,
            'paid_at', to_char(f.paid_at AT TIME ZONE (SELECT timezone FROM u),
                               'YYYY-MM-DD HH24:MI:SS'),
            'meter_id', f.meter_id, 'customer_id', f.customer_id,
            'amount', f.amount, 'tax', f.tax, 'admin_fee', f.admin_fee,
            'total', f.total, 'paid_amount', f.paid_amount,
            'state', f.state, 'token_issued', f.token IS NOT NULL)
            ORDER BY f.provider, f.paid_at), '[]'::jsonb),
        'count', count(f.id),
        'paid_total', coalesce(sum(f.paid_amount), 0),
        'admin_fees', coalesce(sum(f.admin_fee), 0),
        'tax_total', coalesce(sum(f.tax), 0))
      FROM f;
$$;

-- ------------------------------------------------------ reconciliation

-- Orders to ask their providers about: unpaid ones older than p_min_age
-- (a minute for the timer's runs, none when staff ask for a run)
-- (a webhook may have been missed; a create that timed out may have
-- reached the provider) from the last week.  Paid ones still without a
-- token after five minutes are reported as stuck.
CREATE FUNCTION hs_reconcile_start(p_trigger text, p_limit integer,
                                   p_min_age interval)
RETURNS TABLE (run_id bigint, purchase_id bigint, order_id text,
               provider text, provider_ref text, state text, total bigint,
               expired boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_run bigint;
BEGIN
    INSERT INTO reconciliation_runs (trigger) VALUES (p_trigger)
    RETURNING id INTO v_run;
    INSERT INTO reconciliation_items (run_id, purchase_id, utility_id,
        provider, our_state, our_amount, outcome, detail)
    SELECT v_run, p.id, p.utility_id, p.provider, p.state, p.total,
           'stuck', 'paid ' || (now() - p.paid_at) || ' ago, no token yet'
      FROM purchases p
     WHERE p.state = 'paid' AND p.paid_at < now() - interval '5 minutes';
    UPDATE reconciliation_runs SET mismatches = (SELECT count(*)
           FROM reconciliation_items i WHERE i.run_id = v_run)
     WHERE id = v_run;
    RETURN QUERY
        SELECT v_run, p.id, p.order_id, p.provider, p.provider_ref, p.state,
               p.total, p.expires_at < now()
          FROM purchases p
         WHERE p.state IN ('created', 'pending', 'create_failed')
           AND NOT p.counter
           AND p.created_at <= now() - p_min_age
           AND p.created_at > now() - interval '7 days'
         ORDER BY p.created_at
         LIMIT p_limit;
    IF NOT FOUND THEN
        RETURN QUERY SELECT v_run, NULL::bigint, NULL::text, NULL::text,
                            NULL::text, NULL::text, NULL::bigint, NULL::boolean;
    END IF;
END $$;

-- One order's answer from its provider, applied like a webhook (same
-- dedupe) and written down.  p_state NULL: the provider could not be
-- asked (p_detail says why).
CREATE FUNCTION hs_reconcile_item(p_run bigint, p_purchase bigint,
    p_event text, p_state text, p_amount bigint, p_ref text, p_detail text,
    p_expire boolean)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    p purchases;
    v_out text;
BEGIN
    SELECT * INTO p FROM purchases WHERE id = p_purchase;
    IF p_state IS NULL THEN
        v_out := 'error';
    ELSE
        v_out := hs_payment_event(p.provider, p_event, p.order_id, p_ref,
                                  p_state, p_amount, 'reconcile', NULL);
        IF v_out = 'duplicate' THEN
            v_out := 'unchanged';
        END IF;
        -- Still unpaid long after it expired: close it here.
        IF p_state = 'pending' AND p_expire THEN
            UPDATE purchases SET state = 'expired', updated_at = now(),
                   failure = 'expired unpaid'
             WHERE id = p.id AND state IN ('created', 'pending',
                                           'create_failed');
            v_out := 'expired';
        END IF;
    END IF;
    INSERT INTO reconciliation_items (run_id, purchase_id, utility_id,
        provider, our_state, provider_state, our_amount, provider_amount,
        outcome, detail)
    VALUES (p_run, p.id, p.utility_id, p.provider, p.state, p_state,
            p.total, p_amount, v_out, p_detail);
    UPDATE reconciliation_runs
       SET checked = checked + 1,
           settled = settled + (v_out = 'paid')::int,
           closed = closed + (v_out IN ('closed', 'expired'))::int,
           mismatches = mismatches + (v_out IN ('amount_mismatch',
                        'refunded_after_token', 'unknown_order'))::int,
           errors = errors + (v_out = 'error')::int
     WHERE id = p_run;
    RETURN v_out;
END $$;

CREATE FUNCTION hs_reconcile_finish(p_run bigint)
RETURNS void LANGUAGE sql AS $$
    UPDATE reconciliation_runs SET finished_at = now() WHERE id = p_run;
$$;

CREATE FUNCTION hs_api_reconciliation_runs(p_utility bigint,
                                           p_limit integer, p_offset integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH f AS (
        SELECT r, count(*) OVER () AS total FROM reconciliation_runs r
         ORDER BY r.id DESC LIMIT p_limit OFFSET p_offset)
    SELECT jsonb_build_object(
        'items', coalesce(jsonb_agg(jsonb_build_object(
            'id', (f.r).id, 'started_at', (f.r).started_at,
            'finished_at', (f.r).finished_at, 'trigger', (f.r).trigger,
            'checked', (f.r).checked, 'settled', (f.r).settled,
            'closed', (f.r).closed, 'mismatches', (f.r).mismatches,
            'errors', (f.r).errors,
            'items', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                        'purchase_id', i.purchase_id, 'provider', i.provider,
                        'our_state', i.our_state,
                        'provider_state', i.provider_state,
                        'our_amount', i.our_amount,
                        'provider_amount', i.provider_amount,
                        'outcome', i.outcome, 'detail', i.detail)
                        ORDER BY i.id), '[]'::jsonb)
                        FROM reconciliation_items i
                       WHERE i.run_id = (f.r).id
                         AND i.utility_id = p_utility))
            ORDER BY (f.r).id DESC), '[]'::jsonb),
        'total', coalesce(max(f.total), 0),
        'limit', p_limit, 'offset', p_offset)
      FROM f;
$$;
