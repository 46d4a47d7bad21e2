-- Paying bills: a payment is applied to the customer's unpaid invoices,
-- oldest first, and kept with how it was applied, so a reversal undoes
-- exactly that.  Banks and PPOB aggregators pay host to host (inquiry ->
-- payment -> reversal, peers.md 3.5): an inquiry changes nothing; a
-- payment must be the whole amount owed and is idempotent on the
-- partner's reference; a reversal is allowed on the day of the payment
-- only, and a reversal for a payment that never arrived (the partner's
-- request timed out) is remembered, so that payment is refused if it
-- arrives late.

CREATE TABLE bill_payments (
    id          bigserial PRIMARY KEY,
    utility_id  bigint NOT NULL REFERENCES utilities,
    customer_id bigint NOT NULL REFERENCES customers,
    channel     text NOT NULL CHECK (channel IN ('h2h', 'cashier',
                    'portal')),
    partner     text NOT NULL,      -- biller partner, cashier, provider
    reference   text NOT NULL,      -- the partner's own reference
    amount      bigint NOT NULL CHECK (amount > 0),
    state       text NOT NULL DEFAULT 'paid'
                CHECK (state IN ('paid', 'reversed')),
    allocations jsonb NOT NULL,     -- [{"invoice": id, "amount": n}]
    paid_at     timestamptz NOT NULL DEFAULT now(),
    reversed_at timestamptz,
    UNIQUE (partner, reference)
);
CREATE INDEX bill_payments_customer ON bill_payments (customer_id, paid_at);

-- Reversals of payments never received: a late payment with the
-- reference is refused.
CREATE TABLE bill_reversals_unmatched (
    partner     text NOT NULL,
    reference   text NOT NULL,
    utility_id  bigint NOT NULL REFERENCES utilities,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partner, reference)
);

-- What a customer owes: each unpaid invoice, oldest first.
CREATE FUNCTION hs_bill_inquiry(p_utility text, p_customer_no text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('customer_no', c.number, 'name', c.name,
        'bills', coalesce((SELECT jsonb_agg(jsonb_build_object(
            'invoice', i.number, 'period', to_char(i.period, 'YYYYMM'),
            'meter', m.number, 'usage', i.usage,
            'stand', (i.reading_from / 1000) || '-' || (i.reading_to / 1000),
            'penalty', i.penalty, 'amount', i.total - i.paid_amount,
            'due_date', i.due_date) ORDER BY i.period, i.id)
            FROM invoices i JOIN meters m ON m.id = i.meter_id
           WHERE i.customer_id = c.id AND i.state IN ('open', 'partial')),
            '[]'::jsonb),
        'total', (SELECT coalesce(sum(i.total - i.paid_amount), 0)::bigint
                    FROM invoices i WHERE i.customer_id = c.id
                     AND i.state IN ('open', 'partial')))
      FROM customers c JOIN utilities u ON u.id = c.utility_id
     WHERE u.code = p_utility AND c.number = p_customer_no;
$$;

CREATE FUNCTION hs_bill_payment_json(b bill_payments) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('payment_id', b.id, 'reference', b.reference,
        'partner', b.partner, 'customer_no', (SELECT number FROM customers
        WHERE id = b.customer_id), 'amount', b.amount, 'state', b.state,
        'invoices', (SELECT jsonb_agg(jsonb_build_object('invoice',
            i.number, 'period', to_char(i.period, 'YYYYMM'),
            'amount', (a->>'amount')::bigint, 'state', i.state))
            FROM jsonb_array_elements(b.allocations) a
            JOIN invoices i ON i.id = (a->>'invoice')::bigint),
        'paid_at', b.paid_at, 'reversed_at', b.reversed_at);
$$;

-- Pay p_amount of a customer's bills, oldest invoice first.  p_full: the
-- amount must be everything owed (host to host).  The same (partner,
-- reference) again returns the first payment ("replayed"), or is refused
-- when its customer or amount differ.
CREATE FUNCTION hs_bill_pay(p_utility text, p_partner text, p_channel text,
    p_customer_no text, p_reference text, p_amount bigint, p_full boolean)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    c customers;
    b bill_payments;
    i record;
    v_owed bigint;
    v_left bigint := p_amount;
    v_take bigint;
    v_alloc jsonb := '[]';
BEGIN
    SELECT cu.* INTO c FROM customers cu JOIN utilities u
        ON u.id = cu.utility_id
     WHERE u.code = p_utility AND cu.number = p_customer_no
       FOR UPDATE OF cu;		-- one payment per customer at a time
    IF NOT FOUND THEN
        RAISE EXCEPTION 'customer_no: no customer %', p_customer_no
              USING ERRCODE = 'HS404';
    END IF;
    SELECT * INTO b FROM bill_payments
     WHERE partner = p_partner AND reference = p_reference;
    IF FOUND THEN
        IF b.customer_id <> c.id OR b.amount <> p_amount THEN
            RAISE EXCEPTION 'reference: % was used for another payment',
                  p_reference USING ERRCODE = 'HS409';
        END IF;
        RETURN hs_bill_payment_json(b) || '{"replayed": true}';
    END IF;
    IF EXISTS (SELECT 1 FROM bill_reversals_unmatched
                WHERE partner = p_partner AND reference = p_reference) THEN
        RAISE EXCEPTION 'reference: % was reversed before it arrived',
              p_reference USING ERRCODE = 'HS409';
    END IF;
    IF p_amount IS NULL OR p_amount <= 0 THEN
        RAISE EXCEPTION 'amount: must be more than zero'
              USING ERRCODE = 'HS422';
    END IF;
    SELECT coalesce(sum(total - paid_amount), 0) INTO v_owed FROM invoices
     WHERE customer_id = c.id AND state IN ('open', 'partial');
    IF v_owed = 0 THEN
        RAISE EXCEPTION 'customer_no: nothing is owed (already paid)'
              USING ERRCODE = 'HS409';
    END IF;
    IF p_amount > v_owed OR (p_full AND p_amount <> v_owed) THEN
        RAISE EXCEPTION 'amount: % owed, % offered', v_owed, p_amount
              USING ERRCODE = 'HS422';
    END IF;
    FOR i IN SELECT id, total - paid_amount AS owed FROM invoices
              WHERE customer_id = c.id AND state IN ('open', 'partial')
              ORDER BY period, id FOR UPDATE
    LOOP
        EXIT WHEN v_left = 0;
        v_take := least(v_left, i.owed);
        UPDATE invoices SET paid_amount = paid_amount + v_take,
               state = CASE WHEN paid_amount + v_take = total THEN 'paid'
                       ELSE 'partial' END,
               updated_at = now()
         WHERE id = i.id;
        v_alloc := v_alloc || jsonb_build_object('invoice', i.id,
            'amount', v_take);
        v_left := v_left - v_take;
    END LOOP;
    INSERT INTO bill_payments (utility_id, customer_id, channel, partner,
        reference, amount, allocations)
    VALUES (c.utility_id, c.id, p_channel, p_partner, p_reference, p_amount,
            v_alloc)
    RETURNING * INTO b;
    PERFORM hs_notify(c.utility_id, c.id, 'payment', 'Pembayaran diterima',
        'Pembayaran tagihan ' || hs_rupiah(p_amount) || ' diterima (' ||
        p_partner || ', ref ' || p_reference || '). Terima kasih.',
        jsonb_build_object('bill_payment', b.id, 'amount', p_amount),
        'billpaid:' || b.id);
    RETURN hs_bill_payment_json(b);
END $$;

-- Reverse a payment on the day it was made (in the utility's zone).  A
-- reference never paid is remembered as reversed.  Idempotent.
CREATE FUNCTION hs_bill_reverse(p_utility text, p_partner text,
                                p_reference text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    b bill_payments;
    u utilities;
    a jsonb;
BEGIN
    SELECT * INTO u FROM utilities WHERE code = p_utility;
    SELECT * INTO b FROM bill_payments
     WHERE partner = p_partner AND reference = p_reference
       AND utility_id = u.id FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO bill_reversals_unmatched (partner, reference, utility_id)
        VALUES (p_partner, p_reference, u.id)
        ON CONFLICT DO NOTHING;
        RETURN jsonb_build_object('reference', p_reference,
            'state', 'reversed', 'found', false);
    END IF;
    IF b.state = 'reversed' THEN
        RETURN hs_bill_payment_json(b) || '{"replayed": true}';
    END IF;
    IF (b.paid_at AT TIME ZONE u.timezone)::date <>
       (now() AT TIME ZONE u.timezone)::date THEN
        RAISE EXCEPTION 'reference: a payment can be reversed only on the '
              'day it was made' USING ERRCODE = 'HS409';
    END IF;
    FOR a IN SELECT * FROM jsonb_array_elements(b.allocations) LOOP
        UPDATE invoices
           SET paid_amount = paid_amount - (a->>'amount')::bigint,
               state = CASE WHEN paid_amount - (a->>'amount')::bigint = 0
                       THEN 'open' ELSE 'partial' END,
               updated_at = now()
         WHERE id = (a->>'invoice')::bigint;
    END LOOP;
    UPDATE bill_payments SET state = 'reversed', reversed_at = now()
     WHERE id = b.id RETURNING * INTO b;
    RETURN hs_bill_payment_json(b);
END $$;

CREATE FUNCTION hs_bill_payment_status(p_utility text, p_partner text,
                                       p_reference text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT hs_bill_payment_json(b) FROM bill_payments b
           JOIN utilities u ON u.id = b.utility_id
          WHERE u.code = p_utility AND b.partner = p_partner
            AND b.reference = p_reference),
        (SELECT jsonb_build_object('reference', p_reference,
                'state', 'reversed', 'found', false)
           FROM bill_reversals_unmatched r
          WHERE r.partner = p_partner AND r.reference = p_reference),
        jsonb_build_object('reference', p_reference, 'state', 'unknown'));
$$;
