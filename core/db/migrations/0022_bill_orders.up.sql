-- Paying bills from the customer app through the online payment plugins
-- (sandbox, Midtrans, Xendit): a bill order asks the provider for all
-- that is owed; the provider's verified notification, recorded once like
-- a token purchase's (same payment_events, same dedupe), applies the
-- money to the invoices, oldest first.  Money that cannot be applied
-- (the customer paid at the counter meanwhile) puts the order in review
-- for staff, never lost.

CREATE TABLE bill_orders (
    id            bigserial PRIMARY KEY,
    order_id      text NOT NULL UNIQUE,
    utility_id    bigint NOT NULL REFERENCES utilities,
    customer_id   bigint NOT NULL REFERENCES customers,
    provider      text NOT NULL,
    amount        bigint NOT NULL CHECK (amount > 0),
    state         text NOT NULL DEFAULT 'created' CHECK (state IN ('created',
                      'pending', 'create_failed', 'paid', 'failed',
                      'expired', 'cancelled', 'review')),
    provider_ref  text,
    redirect_url  text,
    instruction   text,
    expires_at    timestamptz,
    failure       text,
    payment_id    bigint REFERENCES bill_payments,
    idem_actor    text NOT NULL,
    idem_key      text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    paid_at       timestamptz,
    UNIQUE (idem_actor, idem_key)
);

CREATE FUNCTION hs_bill_order_json(o bill_orders) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('order_id', o.order_id, 'provider', o.provider,
        'amount', o.amount, 'state', o.state, 'failure', o.failure,
        'payment', jsonb_build_object('redirect_url', o.redirect_url,
            'instruction', o.instruction, 'provider_ref', o.provider_ref,
            'expires_at', o.expires_at),
        'created_at', o.created_at, 'paid_at', o.paid_at);
$$;

-- An order for everything the customer owes (or the one this key made).
CREATE FUNCTION hs_bill_order_begin(p_actor text, p_utility bigint,
    p_customer bigint, p_provider text, p_key text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    o bill_orders;
    v_owed bigint;
    v_id bigint;
BEGIN
    SELECT * INTO o FROM bill_orders
     WHERE idem_actor = p_actor AND idem_key = p_key;
    IF FOUND THEN
        IF o.provider <> p_provider OR o.customer_id <> p_customer THEN
            RAISE EXCEPTION 'Idempotency-Key: used for another order'
                  USING ERRCODE = 'HS422';
        END IF;
        RETURN hs_bill_order_json(o);
    END IF;
    PERFORM 1 FROM customers WHERE id = p_customer AND utility_id = p_utility
        FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'customer_id: no such customer'
              USING ERRCODE = 'HS404';
    END IF;
    SELECT coalesce(sum(total - paid_amount), 0) INTO v_owed FROM invoices
     WHERE customer_id = p_customer AND state IN ('open', 'partial');
    IF v_owed = 0 THEN
        RAISE EXCEPTION 'customer_id: nothing is owed'
              USING ERRCODE = 'HS409';
    END IF;
    v_id := nextval(pg_get_serial_sequence('bill_orders', 'id'));
    INSERT INTO bill_orders (id, order_id, utility_id, customer_id,
        provider, amount, idem_actor, idem_key)
    VALUES (v_id, 'BL-' || to_char(now(), 'YYMMDD') || '-' || v_id,
            p_utility, p_customer, p_provider, v_owed, p_actor, p_key)
    RETURNING * INTO o;
    RETURN hs_bill_order_json(o);
END $$;

CREATE FUNCTION hs_bill_order_created(p_order text, p_ref text,
    p_redirect text, p_instruction text, p_expires timestamptz)
RETURNS jsonb LANGUAGE sql AS $$
    UPDATE bill_orders SET state = 'pending', provider_ref = p_ref,
           redirect_url = p_redirect, instruction = p_instruction,
           expires_at = p_expires
     WHERE order_id = p_order AND state IN ('created', 'create_failed')
    RETURNING hs_bill_order_json(bill_orders);
$$;

CREATE FUNCTION hs_bill_order_failed(p_order text, p_reason text)
RETURNS jsonb LANGUAGE sql AS $$
    UPDATE bill_orders SET state = 'create_failed', failure = p_reason
     WHERE order_id = p_order AND state = 'created'
    RETURNING hs_bill_order_json(bill_orders);
$$;

-- A provider's verified notification about a bill order.
CREATE FUNCTION hs_bill_order_event(p_provider text, p_event text,
    p_order text, p_ref text, p_state text, p_amount bigint, p_source text,
    p_body text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    o bill_orders;
    v_id bigint;
    v_out text;
    v_pay jsonb;
BEGIN
    SELECT * INTO o FROM bill_orders
     WHERE order_id = p_order AND provider = p_provider FOR UPDATE;
    v_out := CASE WHEN NOT FOUND THEN 'unknown_order'
                  WHEN p_state = 'paid' AND o.state IN ('paid', 'review')
                  THEN 'already_paid'
                  WHEN p_state = 'paid' THEN 'paid'
                  WHEN p_state IN ('failed', 'expired', 'cancelled') AND
                       o.state IN ('created', 'pending', 'create_failed')
                  THEN 'closed'
                  ELSE 'ignored' END;
    INSERT INTO payment_events (provider, event_id, order_id, provider_ref,
        state, amount, source, body, outcome)
    VALUES (p_provider, p_event, p_order, p_ref, p_state, p_amount,
            p_source, p_body, v_out)
    ON CONFLICT (provider, event_id) DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        RETURN 'duplicate';
    END IF;
    IF v_out = 'paid' THEN
        BEGIN
            v_pay := hs_bill_pay((SELECT code FROM utilities
                                   WHERE id = o.utility_id), p_provider,
                       'portal', (SELECT number FROM customers
                                   WHERE id = o.customer_id),
                       p_order, p_amount, false);
            UPDATE bill_orders SET state = 'paid', paid_at = now(),
                   provider_ref = coalesce(provider_ref, p_ref),
                   payment_id = (v_pay->>'payment_id')::bigint
             WHERE id = o.id;
        EXCEPTION WHEN OTHERS THEN
            -- The money is in but cannot be applied as it stands: staff.
            UPDATE bill_orders SET state = 'review', paid_at = now(),
                   failure = 'paid ' || p_amount || ': ' || SQLERRM
             WHERE id = o.id;
            v_out := 'review';
            UPDATE payment_events SET outcome = v_out WHERE id = v_id;
        END;
    ELSIF v_out = 'closed' THEN
        UPDATE bill_orders SET state = p_state WHERE id = o.id;
    END IF;
    RETURN v_out;
END $$;

CREATE FUNCTION hs_api_bill_order(p_utility bigint, p_only bigint,
                                  p_order text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT hs_bill_order_json(o) FROM bill_orders o
     WHERE o.utility_id = p_utility AND o.order_id = p_order
       AND (p_only IS NULL OR o.customer_id = p_only);
$$;

-- Notifications: bill orders to their own path.
CREATE OR REPLACE FUNCTION hs_payment_event(p_provider text, p_event text,
    p_order text, p_ref text, p_state text, p_amount bigint, p_source text,
    p_body text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
    p purchases;
    v_out text;
BEGIN
    -- Bill orders (migration 0022) carry their own prefix.
    IF p_order LIKE 'BL-%' THEN
        RETURN hs_bill_order_event(p_provider, p_event, p_order, p_ref,
                                   p_state, p_amount, p_source, p_body);
    END IF;
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
