-- Reconnection after payment.  When a bill payment leaves a customer
-- owing nothing past due, every postpaid meter of theirs that staff
-- disconnected (blocked) gets a reconnection order for the field team,
-- in the payment's transaction.  The order is done when the meter is
-- active again (whoever unblocks it, from the console or the API; the
-- meter change is audited there); it is cancelled if the payment is
-- reversed and the customer owes past due again.

CREATE TABLE reconnection_orders (
    id          bigserial PRIMARY KEY,
    utility_id  bigint NOT NULL REFERENCES utilities,
    meter_id    bigint NOT NULL REFERENCES meters,
    customer_id bigint NOT NULL REFERENCES customers,
    bill_payment_id bigint NOT NULL REFERENCES bill_payments,
    state       text NOT NULL DEFAULT 'open'
                CHECK (state IN ('open', 'done', 'cancelled')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    closed_at   timestamptz
);
-- One open order a meter.
CREATE UNIQUE INDEX reconnection_orders_open ON reconnection_orders
    (meter_id) WHERE state = 'open';
CREATE INDEX reconnection_orders_list ON reconnection_orders
    (utility_id, created_at) WHERE state = 'open';

CREATE FUNCTION hs_overdue_owed(p_customer bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(total - paid_amount), 0)::bigint FROM invoices
     WHERE customer_id = p_customer AND state IN ('open', 'partial')
       AND due_date < current_date;
$$;

CREATE FUNCTION hs_bill_paid_reconnect() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF hs_overdue_owed(NEW.customer_id) = 0 THEN
        INSERT INTO reconnection_orders (utility_id, meter_id, customer_id,
                                         bill_payment_id)
        SELECT m.utility_id, m.id, m.customer_id, NEW.id
          FROM meters m
         WHERE m.customer_id = NEW.customer_id AND m.billing = 'postpaid'
           AND m.status = 'blocked'
        ON CONFLICT (meter_id) WHERE state = 'open' DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER bill_payments_reconnect AFTER INSERT ON bill_payments
    FOR EACH ROW EXECUTE FUNCTION hs_bill_paid_reconnect();

CREATE FUNCTION hs_bill_reversed_reconnect() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF hs_overdue_owed(NEW.customer_id) > 0 THEN
        UPDATE reconnection_orders SET state = 'cancelled',
               closed_at = now()
         WHERE bill_payment_id = NEW.id AND state = 'open';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER bill_payments_reversed AFTER UPDATE OF state ON bill_payments
    FOR EACH ROW WHEN (NEW.state = 'reversed' AND OLD.state <> 'reversed')
    EXECUTE FUNCTION hs_bill_reversed_reconnect();

CREATE FUNCTION hs_meter_reconnected() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE reconnection_orders SET state = 'done', closed_at = now()
     WHERE meter_id = NEW.id AND state = 'open';
    RETURN NULL;
END $$;

CREATE TRIGGER meters_reconnected AFTER UPDATE OF status ON meters
    FOR EACH ROW WHEN (OLD.status = 'blocked' AND NEW.status = 'active')
    EXECUTE FUNCTION hs_meter_reconnected();

-- The field team's reconnection list: open orders, oldest first.
CREATE OR REPLACE FUNCTION hs_api_reconnections(p_utility bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('items', coalesce(jsonb_agg(jsonb_build_object(
        'order', o.id, 'meter_id', m.id, 'meter', m.number,
        'customer_no', c.number, 'customer', c.name,
        'address', m.install_address, 'ordered_at', o.created_at,
        'bill_payment', o.bill_payment_id,
        'outstanding', (SELECT coalesce(sum(total - paid_amount), 0)::bigint
                          FROM invoices WHERE customer_id = c.id
                           AND state IN ('open', 'partial')))
        ORDER BY o.created_at, o.id), '[]'::jsonb))
      FROM reconnection_orders o
      JOIN meters m ON m.id = o.meter_id
      JOIN customers c ON c.id = o.customer_id
     WHERE o.utility_id = p_utility AND o.state = 'open';
$$;
