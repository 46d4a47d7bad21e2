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

DROP FUNCTION hs_api_bill_order(bigint, bigint, text);
DROP FUNCTION hs_bill_order_event(text, text, text, text, text, bigint, text, text);
DROP FUNCTION hs_bill_order_failed(text, text);
DROP FUNCTION hs_bill_order_created(text, text, text, text, timestamptz);
DROP FUNCTION hs_bill_order_begin(text, bigint, bigint, text, text);
DROP FUNCTION hs_bill_order_json(bill_orders);
DROP TABLE bill_orders;
