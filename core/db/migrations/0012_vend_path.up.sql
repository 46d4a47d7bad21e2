-- The paid-to-token path, made cheaper without changing what it does.
--
-- A purchase row is updated twice on that path (paid, then vended).  An
-- update that changes no indexed column is a HOT update: no index entry is
-- written, and the page keeps the new version when it has room.  So the
-- indexes that named state or paid_at go (the reconciliation scan uses the
-- creation time instead), and purchase pages keep 30% free.
--
-- Every row written on the path also checked foreign keys to the
-- utility, meter and customer: each check takes a KEY SHARE lock on that
-- row, and every vend of a utility shares its one utilities row, which
-- turns those locks into multixacts.  Tokens and outbox rows copy those
-- ids from their purchase (itself checked), so their own checks go.

ALTER TABLE purchases SET (fillfactor = 70);
DROP INDEX purchases_open;
DROP INDEX purchases_paid_day;
CREATE INDEX purchases_created ON purchases (created_at);

ALTER TABLE tokens DROP CONSTRAINT tokens_utility_id_fkey,
                   DROP CONSTRAINT tokens_meter_id_fkey,
                   DROP CONSTRAINT tokens_customer_id_fkey;
ALTER TABLE outbox DROP CONSTRAINT outbox_utility_id_fkey,
                   DROP CONSTRAINT outbox_customer_id_fkey;

-- A notification recorded once: the outcome is decided before the event
-- row is written, so the row is written once (no second update).  The
-- purchase is locked first; a duplicate event id then changes nothing.
CREATE OR REPLACE FUNCTION hs_payment_event(p_provider text, p_event text,
    p_order text, p_ref text, p_state text, p_amount bigint, p_source text,
    p_body text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
    p purchases;
    v_out text;
BEGIN
    SELECT * INTO p FROM purchases
     WHERE order_id = p_order AND provider = p_provider FOR UPDATE;
    IF NOT FOUND THEN
        v_out := 'unknown_order';
    ELSIF p_state = 'paid' THEN
        IF p.state IN ('paid', 'vended', 'refund_due', 'refunded',
                       'review') THEN
            v_out := 'already_paid';
        ELSIF p_amount IS DISTINCT FROM p.total THEN
            v_out := 'amount_mismatch';
        ELSE
            v_out := 'paid';
        END IF;
    ELSIF p_state IN ('failed', 'expired', 'cancelled') THEN
        v_out := CASE WHEN p.state IN ('created', 'pending', 'create_failed')
                      THEN 'closed' ELSE 'ignored' END;
    ELSIF p_state = 'pending' THEN
        v_out := 'pending';
    ELSIF p_state = 'refunded' THEN
        v_out := CASE WHEN p.state = 'vended' THEN 'refunded_after_token'
                      ELSE 'refunded' END;
    ELSE
        v_out := 'ignored';
    END IF;

    INSERT INTO payment_events (provider, event_id, order_id, provider_ref,
        state, amount, source, body, purchase_id, outcome)
    VALUES (p_provider, p_event, p_order, p_ref, p_state, p_amount,
            p_source, p_body, p.id, v_out)
    ON CONFLICT (provider, event_id) DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        RETURN 'duplicate';
    END IF;

    IF v_out = 'amount_mismatch' THEN
        -- Money arrived, but not what was ordered: never vend a different
        -- amount; staff decide (refund or re-order).
        UPDATE purchases SET state = 'review', paid_at = now(),
               paid_amount = p_amount, provider_ref =
               coalesce(provider_ref, p_ref), failure = format(
               'paid %s, ordered %s', p_amount, p.total),
               updated_at = now()
         WHERE id = p.id;
    ELSIF v_out = 'paid' THEN
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
    ELSIF v_out = 'closed' THEN
        UPDATE purchases SET state = p_state, updated_at = now(),
               failure = 'provider: ' || p_state
         WHERE id = p.id;
    ELSIF v_out = 'pending' AND p.state IN ('created', 'create_failed') THEN
        UPDATE purchases SET state = 'pending', updated_at = now(),
               provider_ref = coalesce(provider_ref, p_ref)
         WHERE id = p.id;
    ELSIF v_out = 'refunded_after_token' THEN
        -- Refunded after the token was issued: a loss to look at.
        UPDATE purchases SET state = 'review', updated_at = now(),
               failure = 'provider refunded after the token was issued'
         WHERE id = p.id;
    ELSIF v_out = 'refunded' THEN
        UPDATE purchases SET state = 'refunded', updated_at = now()
         WHERE id = p.id;
    END IF;
    RETURN v_out;
END $$;

-- The daily settlement without an index on paid_at.
CREATE OR REPLACE FUNCTION hs_api_settlement(p_utility bigint, p_day date,
                                  p_provider text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH u AS (SELECT * FROM utilities WHERE id = p_utility),
    f AS (
        SELECT p.*, t.token, t.created_at AS token_at
          FROM purchases p CROSS JOIN u
          LEFT JOIN tokens t ON t.purchase_id = p.id
         WHERE p.utility_id = p_utility AND p.paid_at IS NOT NULL
           AND (p_provider IS NULL OR p.provider = p_provider)
           -- The creation time bounds the scan (purchases_utility):
           -- nothing is paid before it was ordered, and no provider takes
           -- money for an order a month old.
           AND p.created_at >= (p_day - 31)::timestamp AT TIME ZONE u.timezone
           AND p.created_at < (p_day + 1)::timestamp AT TIME ZONE u.timezone
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

-- Stuck vends found through their jobs, not a scan of purchases.
CREATE OR REPLACE FUNCTION hs_reconcile_start(p_trigger text, p_limit integer,
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
      FROM jobs j
      JOIN purchases p ON p.id = (j.payload ->> 'purchase')::bigint
     -- A paid purchase without its token still has its live vend job.
     WHERE j.kind = 'vend.token' AND j.state IN ('queued', 'running')
       AND p.state = 'paid' AND p.paid_at < now() - interval '5 minutes';
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

-- ----------------------------------------------------- batched vending
--
-- The vend job claims paid purchases a batch at a time (up to 32) and
-- stores all their tokens in one transaction: a handful of statements and
-- one commit per batch instead of per token.  Each purchase still gets at
-- most one token (tokens.purchase_id is unique), and its job is marked done
-- in the transaction that stores it.

-- Everything a vend needs, one row per purchase.
CREATE FUNCTION hs_vend_inputs_many(p_purchases bigint[])
RETURNS TABLE (purchase bigint, state text, token text, pan text,
               sgc integer, ti smallint, krn smallint, kt smallint,
               ken smallint, ea smallint, dkga smallint, base_date smallint,
               subclass smallint, token_amount bigint, rnd smallint,
               issued_at bigint, meter_status text, paid_for_seconds bigint,
               order_id text)
LANGUAGE sql STABLE AS $$
    SELECT p.id, p.state, t.token, p.pan, p.sgc, p.ti, p.krn, p.kt, p.ken,
           p.ea, p.dkga, p.base_date, p.token_subclass, p.token_amount,
           p.rnd, extract(epoch FROM p.token_issued_at)::bigint, m.status,
           extract(epoch FROM now() - p.paid_at)::bigint, p.order_id
      FROM purchases p
      JOIN meters m ON m.id = p.meter_id
      LEFT JOIN tokens t ON t.purchase_id = p.id
     WHERE p.id = ANY (p_purchases);
$$;

CREATE OR REPLACE FUNCTION hs_vend_inputs(p_purchase bigint)
RETURNS TABLE (state text, token text, pan text, sgc integer, ti smallint,
               krn smallint, kt smallint, ken smallint, ea smallint,
               dkga smallint, base_date smallint, subclass smallint,
               token_amount bigint, rnd smallint, issued_at bigint,
               meter_status text, paid_for_seconds bigint, order_id text)
LANGUAGE sql STABLE AS $$
    SELECT state, token, pan, sgc, ti, krn, kt, ken, ea, dkga, base_date,
           subclass, token_amount, rnd, issued_at, meter_status,
           paid_for_seconds, order_id
      FROM hs_vend_inputs_many(ARRAY[p_purchase]);
$$;

-- One notice of one kind to many customers, each on the channels they
-- chose (SMS waits out their quiet hours; push is silent), plus a signed
-- webhook to every integrator subscribed to the kind.  key names the
-- event; with the channel it is the message's idempotency key, so a
-- second call for the same event queues nothing.  One set-based insert
-- per destination kind, in the event's own transaction.
CREATE TYPE hs_notice AS (utility_id bigint, customer_id bigint, body text,
                          data jsonb, key text);

CREATE FUNCTION hs_notify_many(p_kind text, p_subject text,
                               p_items hs_notice[])
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_n integer;
    v_w integer := 0;
BEGIN
    WITH c AS (
        SELECT n.utility_id, n.customer_id, n.body, n.data, n.key,
               c.phone, u.timezone, p.quiet_start, p.quiet_end,
               (now() AT TIME ZONE u.timezone)::time AS local_now,
               coalesce(p.channels, '{"token": ["push", "sms"],
                   "low_balance": ["push", "sms"], "payment": ["push"],
                   "bill": ["push", "sms"], "tamper": ["push", "sms"],
                   "battery": ["push"]}'::jsonb) -> p_kind AS chosen
          FROM unnest(p_items) n
          JOIN customers c ON c.id = n.customer_id
          JOIN utilities u ON u.id = c.utility_id
          LEFT JOIN notification_prefs p ON p.customer_id = c.id),
    ch AS (
        SELECT c.*, x.channel,
               CASE x.channel WHEN 'sms' THEN c.phone
                              WHEN 'push' THEN 'customer:' || c.customer_id
               END AS recipient,
               x.channel = 'sms' AND c.quiet_start IS NOT NULL AND (
                   (c.quiet_start < c.quiet_end AND c.local_now >=
                    c.quiet_start AND c.local_now < c.quiet_end)
                OR (c.quiet_start > c.quiet_end AND (c.local_now >=
                    c.quiet_start OR c.local_now < c.quiet_end))) AS quiet
          FROM c, jsonb_array_elements_text(coalesce(c.chosen, '[]'))
               AS x (channel)),
    ins AS (
        INSERT INTO outbox (utility_id, customer_id, kind, channel,
            recipient, subject, body, idem_key, not_before)
        SELECT ch.utility_id, ch.customer_id, p_kind, ch.channel,
               ch.recipient, p_subject,
               CASE WHEN ch.channel = 'push'
                    THEN jsonb_build_object('kind', p_kind, 'subject',
                         p_subject, 'text', ch.body, 'data', ch.data)::text
                    ELSE ch.body END,
               ch.key || ':' || ch.channel,
               CASE WHEN ch.quiet
                    THEN ((now() AT TIME ZONE ch.timezone)::date
                          + ch.quiet_end + CASE WHEN ch.local_now >=
                          ch.quiet_end THEN interval '1 day' ELSE
                          interval '0' END) AT TIME ZONE ch.timezone
                    ELSE now() END
          FROM ch WHERE ch.recipient IS NOT NULL
        ON CONFLICT (idem_key) DO NOTHING
        RETURNING 1)
    SELECT count(*) INTO v_n FROM ins;
    IF EXISTS (SELECT 1 FROM webhook_subscriptions s
                WHERE p_kind = ANY (s.kinds) AND s.utility_id IN
                      (SELECT n.utility_id FROM unnest(p_items) n)) THEN
        WITH ins AS (
            INSERT INTO outbox (utility_id, customer_id, kind, channel,
                recipient, subject, body, idem_key)
            SELECT n.utility_id, n.customer_id, p_kind, 'webhook', s.url,
                   t.type, jsonb_build_object('type', t.type, 'utility',
                   u.code, 'customer', c.number, 'subject', p_subject,
                   'data', n.data, 'created_at', now())::text,
                   n.key || ':webhook:' || s.id
              FROM unnest(p_items) n
              JOIN webhook_subscriptions s ON s.utility_id = n.utility_id
                   AND p_kind = ANY (s.kinds)
              JOIN utilities u ON u.id = n.utility_id
              LEFT JOIN customers c ON c.id = n.customer_id
             -- The event types integrators see (docs/webhooks.md).
             CROSS JOIN (SELECT CASE p_kind
                    WHEN 'token' THEN 'token.issued'
                    WHEN 'payment' THEN 'payment.received'
                    WHEN 'low_balance' THEN 'balance.low'
                    WHEN 'tamper' THEN 'meter.tamper'
                    WHEN 'battery' THEN 'meter.battery_low'
                    WHEN 'bill' THEN 'bill.issued'
                    ELSE p_kind END AS type) t
            ON CONFLICT (idem_key) DO NOTHING
            RETURNING 1)
        SELECT count(*) INTO v_w FROM ins;
    END IF;
    RETURN v_n + v_w;
END $$;

-- One notice to one customer (the form every other event uses).
CREATE OR REPLACE FUNCTION hs_notify(p_utility bigint, p_customer bigint,
    p_kind text, p_subject text, p_body text, p_data jsonb, p_key text)
RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    RETURN hs_notify_many(p_kind, p_subject, ARRAY[ROW(p_utility,
        p_customer, p_body, p_data, p_key)::hs_notice]);
END $$;

-- The token notice for many purchases: the digits grouped by four, and
-- any key change tokens to enter first.  A re-send (p_resend) is a new
-- message with its own key.
CREATE FUNCTION hs_notify_tokens(p_purchases bigint[], p_resend text)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_items hs_notice[];
BEGIN
    SELECT array_agg(ROW(p.utility_id, p.customer_id,
           'Token ' || CASE m.service_type WHEN 'water' THEN 'air'
           ELSE 'listrik' END || ' meter ' || m.number || ': '
           || substr(t.token, 1, 4) || ' ' || substr(t.token, 5, 4)
           || ' ' || substr(t.token, 9, 4) || ' ' || substr(t.token, 13, 4)
           || ' ' || substr(t.token, 17, 4)
           || ' (' || hs_volume(t.units, m.service_type) || ', '
           || hs_rupiah(p.total) || ').'
           || coalesce(' Masukkan dulu token ganti kunci: '
                       || array_to_string(t.key_change, ', ') || '.', ''),
           jsonb_build_object('purchase', p.id, 'meter', m.id,
               'meter_number', m.number, 'token', t.token, 'units',
               t.units, 'key_change_tokens', t.key_change),
           'token:' || p.id || coalesce(':resend:' || p_resend, ''))
           ::hs_notice)
      INTO v_items
      FROM purchases p
      JOIN tokens t ON t.purchase_id = p.id
      JOIN meters m ON m.id = p.meter_id
     WHERE p.id = ANY (p_purchases);
    IF v_items IS NULL THEN
        RETURN 0;
    END IF;
    RETURN hs_notify_many('token', 'Token', v_items);
END $$;

CREATE OR REPLACE FUNCTION hs_notify_token(p_purchase bigint, p_resend text)
RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    RETURN hs_notify_tokens(ARRAY[p_purchase], p_resend);
END $$;

CREATE OR REPLACE FUNCTION hs_vend_after_store(p_purchase bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hs_notify_tokens(ARRAY[p_purchase], NULL);
END $$;

-- Store the tokens of a batch, each once, with their notices, and finish
-- the vend job (leased by p_worker) of every purchase that now has its
-- token, all in one transaction.  A purchase that already had a token
-- (a retried job after a crash) gets its first token back, unchanged
-- (stored false).  One that is no longer paid gets an error and keeps its
-- job running for the caller to finish.  A pending key change delivered
-- with a token moves the meter to its new key.
CREATE FUNCTION hs_vend_store_many(p_purchases bigint[], p_tokens text[],
    p_hsms text[], p_jobs bigint[], p_worker text)
RETURNS TABLE (purchase bigint, token text, stored boolean, error text)
LANGUAGE plpgsql AS $$
DECLARE
    v_new bigint[];
    k record;
BEGIN
    -- In id order, so two batches never wait on each other in a cycle.
    PERFORM 1 FROM purchases p WHERE p.id = ANY (p_purchases)
      ORDER BY p.id FOR UPDATE;
    WITH ins AS (
        INSERT INTO tokens (purchase_id, utility_id, meter_id, customer_id,
                            token, key_change, units, hsm)
        SELECT p.id, p.utility_id, p.meter_id, p.customer_id, i.token,
               ko.tokens, p.units, i.hsm
          FROM unnest(p_purchases, p_tokens, p_hsms) AS i (purchase, token,
               hsm)
          JOIN purchases p ON p.id = i.purchase
          LEFT JOIN key_change_orders ko ON ko.id = p.key_change_id
         WHERE p.state = 'paid'
        ON CONFLICT (purchase_id) DO NOTHING
        RETURNING purchase_id)
    SELECT coalesce(array_agg(ins.purchase_id), '{}') INTO v_new FROM ins;
    IF cardinality(v_new) > 0 THEN
        UPDATE purchases p SET state = 'vended', updated_at = now()
         WHERE p.id = ANY (v_new);
        FOR k IN SELECT ko.*, p.meter_id AS meter
                   FROM purchases p
                   JOIN key_change_orders ko ON ko.id = p.key_change_id
                  WHERE p.id = ANY (v_new) AND ko.state = 'pending'
        LOOP
            UPDATE key_change_orders SET state = 'delivered'
             WHERE id = k.id;
            UPDATE meters SET sgc = k.to_sgc, tariff_index = k.to_ti,
                   key_revision = k.to_krn, key_type = k.to_kt,
                   base_date = k.to_base_date, dkga = k.to_dkga,
                   updated_at = now()
             WHERE id = k.meter;
        END LOOP;
        PERFORM hs_notify_tokens(v_new, NULL);
    END IF;
    UPDATE jobs j SET state = 'done', finished_at = now(), last_error = NULL,
           leased_until = NULL, leased_by = NULL
      FROM unnest(p_purchases, p_jobs) AS x (purchase, job)
      JOIN tokens t ON t.purchase_id = x.purchase
     WHERE j.id = x.job AND j.leased_by = p_worker AND j.state = 'running';
    RETURN QUERY
        SELECT x.purchase, t.token, x.purchase = ANY (v_new),
               CASE WHEN t.token IS NULL THEN format(
                   'state: purchase %s is %s, not paid', x.purchase,
                   coalesce(p.state, 'missing')) END
          FROM unnest(p_purchases) AS x (purchase)
          LEFT JOIN tokens t ON t.purchase_id = x.purchase
          LEFT JOIN purchases p ON p.id = x.purchase;
END $$;

-- One purchase (the form the 0010 callers know): an error is raised.
CREATE OR REPLACE FUNCTION hs_vend_store(p_purchase bigint, p_token text,
    p_hsm text, p_job bigint, p_worker text)
RETURNS TABLE (token text, stored boolean)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    SELECT * INTO r FROM hs_vend_store_many(ARRAY[p_purchase],
        ARRAY[p_token], ARRAY[p_hsm], ARRAY[p_job], p_worker);
    IF r.error IS NOT NULL THEN
        RAISE EXCEPTION '%', r.error USING ERRCODE = 'HS409';
    END IF;
    token := r.token;
    stored := r.stored;
    RETURN NEXT;
END $$;
