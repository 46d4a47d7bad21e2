-- Key change orders: the key change tokens `hydrosync keys kct` issued for
-- a meter moving to a new key revision (or supply group, tariff index,
-- base date, algorithm), waiting to reach the meter.  Vending delivers a
-- pending order's tokens before the next credit token and then moves the
-- meter to its new key; until then the meter keeps vending on the old one.
-- Key change tokens are encrypted under the meter's current key, so they
-- are stored like any issued token.
CREATE TABLE key_change_orders (
    id            bigserial PRIMARY KEY,
    utility_id    bigint NOT NULL REFERENCES utilities,
    meter_id      bigint NOT NULL REFERENCES meters,
    from_krn      smallint NOT NULL,
    to_krn        smallint NOT NULL CHECK (to_krn BETWEEN 1 AND 9),
    to_sgc        integer NOT NULL,
    to_ti         smallint NOT NULL,
    to_kt         smallint NOT NULL,
    to_base_date  smallint NOT NULL,
    to_dkga       smallint NOT NULL,
    rollover      boolean NOT NULL,
    tokens        text[] NOT NULL CHECK (cardinality(tokens) IN (2, 4)),
    state         text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'delivered', 'applied',
                                   'cancelled')),
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- One pending key change per meter: a second rotation must wait.
CREATE UNIQUE INDEX key_change_orders_pending ON key_change_orders (meter_id)
    WHERE state = 'pending';

CREATE FUNCTION hs_key_change_record(p_actor text, p_meter bigint,
    p_to_krn integer, p_to_sgc integer, p_to_ti integer, p_to_kt integer,
    p_to_base integer, p_to_dkga integer, p_rollover boolean,
    p_tokens text[])
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_meter meters;
    v_id bigint;
BEGIN
    SELECT * INTO v_meter FROM meters WHERE id = p_meter;
    INSERT INTO key_change_orders (utility_id, meter_id, from_krn, to_krn,
        to_sgc, to_ti, to_kt, to_base_date, to_dkga, rollover, tokens,
        created_by)
    VALUES (v_meter.utility_id, p_meter, v_meter.key_revision, p_to_krn,
        p_to_sgc, p_to_ti, p_to_kt, p_to_base, p_to_dkga, p_rollover,
        p_tokens, p_actor)
    RETURNING id INTO v_id;
    PERFORM hs_audit(p_actor, v_meter.utility_id, 'key_change.issue',
        'meter', p_meter::text, jsonb_build_object('krn',
        v_meter.key_revision, 'sgc', v_meter.sgc),
        jsonb_build_object('krn', p_to_krn, 'sgc', p_to_sgc,
        'rollover', p_rollover, 'order', v_id));
    RETURN v_id;
END $$;
