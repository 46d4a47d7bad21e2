-- The bodies 0010 and 0011 gave these functions, then the schema.
CREATE OR REPLACE FUNCTION hs_payment_event(p_provider text, p_event text,
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

CREATE OR REPLACE FUNCTION hs_vend_inputs(p_purchase bigint)
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

CREATE OR REPLACE FUNCTION hs_vend_store(p_purchase bigint, p_token text, p_hsm text,
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

CREATE OR REPLACE FUNCTION hs_notify(p_utility bigint, p_customer bigint, p_kind text,
    p_subject text, p_body text, p_data jsonb, p_key text)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_n integer;
    v_w integer := 0;
BEGIN
    -- One set-based insert: it runs in the event's transaction, on the
    -- paid-to-token path, so it must stay cheap.
    WITH c AS (
        SELECT c.id, c.phone, u.timezone, p.quiet_start, p.quiet_end,
               (now() AT TIME ZONE u.timezone)::time AS local_now,
               coalesce(p.channels, '{"token": ["push", "sms"],
                   "low_balance": ["push", "sms"], "payment": ["push"],
                   "bill": ["push", "sms"], "tamper": ["push", "sms"],
                   "battery": ["push"]}'::jsonb) -> p_kind AS chosen
          FROM customers c
          JOIN utilities u ON u.id = c.utility_id
          LEFT JOIN notification_prefs p ON p.customer_id = c.id
         WHERE c.id = p_customer),
    ch AS (
        SELECT c.*, x.channel,
               CASE x.channel WHEN 'sms' THEN c.phone
                              WHEN 'push' THEN 'customer:' || c.id END
                   AS recipient,
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
        SELECT p_utility, p_customer, p_kind, ch.channel, ch.recipient,
               p_subject,
               CASE WHEN ch.channel = 'push'
                    THEN jsonb_build_object('kind', p_kind, 'subject',
                         p_subject, 'text', p_body, 'data', p_data)::text
                    ELSE p_body END,
               p_key || ':' || ch.channel,
               CASE WHEN ch.quiet
                    -- SMS waits out the customer's quiet hours.
                    THEN ((now() AT TIME ZONE ch.timezone)::date
                          + ch.quiet_end + CASE WHEN ch.local_now >=
                          ch.quiet_end THEN interval '1 day' ELSE
                          interval '0' END) AT TIME ZONE ch.timezone
                    ELSE now() END
          FROM ch WHERE ch.recipient IS NOT NULL
        ON CONFLICT (idem_key) DO NOTHING
        RETURNING 1)
    SELECT count(*) INTO v_n FROM ins;
    -- Integrators subscribed to this kind get a signed webhook.
    IF EXISTS (SELECT 1 FROM webhook_subscriptions
                WHERE utility_id = p_utility AND p_kind = ANY (kinds)) THEN
        WITH ins AS (
            INSERT INTO outbox (utility_id, customer_id, kind, channel,
                recipient, subject, body, idem_key)
            SELECT p_utility, p_customer, p_kind, 'webhook', s.url, t.type,
                   jsonb_build_object('type', t.type, 'utility', u.code,
                   'customer', (SELECT number FROM customers WHERE id =
                   p_customer), 'subject', p_subject, 'data', p_data,
                   'created_at', now())::text,
                   p_key || ':webhook:' || s.id
              FROM webhook_subscriptions s
              JOIN utilities u ON u.id = s.utility_id
             -- The event types integrators see (docs/webhooks.md).
             CROSS JOIN (SELECT CASE p_kind
                    WHEN 'token' THEN 'token.issued'
                    WHEN 'payment' THEN 'payment.received'
                    WHEN 'low_balance' THEN 'balance.low'
                    WHEN 'tamper' THEN 'meter.tamper'
                    WHEN 'battery' THEN 'meter.battery_low'
                    WHEN 'bill' THEN 'bill.issued'
                    ELSE p_kind END AS type) t
             WHERE s.utility_id = p_utility AND p_kind = ANY (s.kinds)
            ON CONFLICT (idem_key) DO NOTHING
            RETURNING 1)
        SELECT count(*) INTO v_w FROM ins;
    END IF;
    RETURN v_n + v_w;
END $$;

CREATE OR REPLACE FUNCTION hs_notify_token(p_purchase bigint, p_resend text)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    p purchases;
    t tokens;
    m meters;
    v_text text;
BEGIN
    SELECT * INTO p FROM purchases WHERE id = p_purchase;
    SELECT * INTO t FROM tokens WHERE purchase_id = p_purchase;
    IF t.id IS NULL THEN
        RETURN 0;
    END IF;
    SELECT * INTO m FROM meters WHERE id = p.meter_id;
    v_text := 'Token ' || CASE m.service_type WHEN 'water' THEN 'air'
              ELSE 'listrik' END || ' meter ' || m.number || ': '
              || substr(t.token, 1, 4) || ' ' || substr(t.token, 5, 4)
              || ' ' || substr(t.token, 9, 4) || ' ' || substr(t.token, 13, 4)
              || ' ' || substr(t.token, 17, 4)
              || ' (' || hs_volume(t.units, m.service_type) || ', '
              || hs_rupiah(p.total) || ').';
    IF t.key_change IS NOT NULL THEN
        v_text := v_text || ' Masukkan dulu token ganti kunci: '
                  || array_to_string(t.key_change, ', ') || '.';
    END IF;
    RETURN hs_notify(p.utility_id, p.customer_id, 'token', 'Token',
        v_text, jsonb_build_object('purchase', p.id, 'meter', m.id,
        'meter_number', m.number, 'token', t.token, 'units', t.units,
        'key_change_tokens', t.key_change),
        'token:' || p.id || coalesce(':resend:' || p_resend, ''));
END $$;

CREATE OR REPLACE FUNCTION hs_vend_after_store(p_purchase bigint)
RETURNS void LANGUAGE sql AS $$
    SELECT NULL FROM (SELECT hs_notify_token(p_purchase, NULL)) x;
$$;

DROP FUNCTION hs_vend_store_many(bigint[], text[], text[], bigint[], text);
DROP FUNCTION hs_notify_tokens(bigint[], text);
DROP FUNCTION hs_notify_many(text, text, hs_notice[]);
DROP TYPE hs_notice;
DROP FUNCTION hs_vend_inputs_many(bigint[]);
ALTER TABLE outbox ADD CONSTRAINT outbox_utility_id_fkey
    FOREIGN KEY (utility_id) REFERENCES utilities,
                   ADD CONSTRAINT outbox_customer_id_fkey
    FOREIGN KEY (customer_id) REFERENCES customers;
ALTER TABLE tokens ADD CONSTRAINT tokens_utility_id_fkey
    FOREIGN KEY (utility_id) REFERENCES utilities,
                   ADD CONSTRAINT tokens_meter_id_fkey
    FOREIGN KEY (meter_id) REFERENCES meters,
                   ADD CONSTRAINT tokens_customer_id_fkey
    FOREIGN KEY (customer_id) REFERENCES customers;
DROP INDEX purchases_created;
CREATE INDEX purchases_open ON purchases (state, created_at)
    WHERE state IN ('created', 'pending', 'create_failed', 'paid');
CREATE INDEX purchases_paid_day ON purchases (provider, paid_at)
    WHERE paid_at IS NOT NULL;
ALTER TABLE purchases RESET (fillfactor);
