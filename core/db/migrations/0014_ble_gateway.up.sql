-- Meters behind a building BLE gateway.
--
-- A meter's BLE id (the 32-bit id it advertises and its key derives from)
-- is set through the meters API as 8 hex digits; ble_gateway says the
-- meter is reachable through a building gateway, so each token is also
-- queued on the "ble" channel, which the ble-gateway transport delivers
-- (docs/ble-gateway.md).  The customer's own notices are unchanged.

ALTER TABLE meters ADD COLUMN ble_gateway boolean NOT NULL DEFAULT false;
ALTER TABLE meters ADD CONSTRAINT meters_ble_gateway_id
    CHECK (NOT ble_gateway OR ble_id IS NOT NULL);

-- '01020304' -> 16909060; NULL stays NULL; anything else is refused.
CREATE FUNCTION hs_ble_id(p text) RETURNS bigint LANGUAGE plpgsql
IMMUTABLE AS $$
DECLARE
    v bigint;
BEGIN
    IF p IS NULL THEN
        RETURN NULL;
    END IF;
    IF p !~ '^[0-9A-Fa-f]{8}$' THEN
        RAISE EXCEPTION 'ble_id: 8 hex digits, not %', p
              USING ERRCODE = 'HS422';
    END IF;
    v := ('x' || lpad(p, 16, '0'))::bit(64)::bigint;
    IF v = 0 THEN
        RAISE EXCEPTION 'ble_id: 00000000 is not a meter' USING ERRCODE = 'HS422';
    END IF;
    RETURN v;
END $$;

-- A BLE id belongs to one meter; a gateway meter needs one.
CREATE FUNCTION hs_ble_check(p_meter bigint, p_ble_id bigint,
                             p_gateway boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_ble_id IS NOT NULL AND EXISTS (SELECT 1 FROM meters
        WHERE ble_id = p_ble_id AND id IS DISTINCT FROM p_meter) THEN
        RAISE EXCEPTION 'ble_id: another meter has BLE id %',
              lpad(to_hex(p_ble_id), 8, '0') USING ERRCODE = 'HS422';
    END IF;
    IF p_gateway AND p_ble_id IS NULL THEN
        RAISE EXCEPTION 'ble_gateway: the meter needs a ble_id'
              USING ERRCODE = 'HS422';
    END IF;
END $$;

CREATE OR REPLACE FUNCTION hs_meter_json(m meters) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', m.id, 'number', m.number, 'pan', m.pan,
        'customer_id', m.customer_id, 'service_type', m.service_type,
        'tariff', (SELECT t.code FROM tariff_groups t
                    WHERE t.id = m.tariff_group_id),
        'sgc', m.sgc, 'tariff_index', m.tariff_index,
        'key_revision', m.key_revision, 'key_type', m.key_type,
        'key_expiry', m.key_expiry, 'algorithm', m.algorithm,
        'dkga', m.dkga, 'base_date', m.base_date,
        'install_address', m.install_address, 'status', m.status,
        'ble_id', lpad(to_hex(m.ble_id), 8, '0'),
        'ble_gateway', m.ble_gateway,
        'created_at', m.created_at, 'updated_at', m.updated_at);
$$;

CREATE OR REPLACE FUNCTION hs_api_meter_create(p_actor text, p_utility bigint, p jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v meters;
BEGIN
    PERFORM hs_ble_check(NULL, hs_ble_id(p->>'ble_id'),
                         coalesce((p->>'ble_gateway')::boolean, false));
    INSERT INTO meters (utility_id, customer_id, number, pan, service_type,
        tariff_group_id, sgc, tariff_index, key_revision, key_type,
        key_expiry, algorithm, dkga, base_date, install_address, ble_id,
        ble_gateway)
    VALUES (p_utility,
        hs_customer_in(p_utility, (p->>'customer_id')::bigint),
        p->>'number', p->>'pan', p->>'service_type',
        hs_tariff_group_id(p_utility, p->>'tariff', p->>'service_type'),
        (p->>'sgc')::integer,
        coalesce((p->>'tariff_index')::smallint, 1),
        coalesce((p->>'key_revision')::smallint, 1),
        coalesce((p->>'key_type')::smallint, 2),
        coalesce((p->>'key_expiry')::smallint, 255),
        coalesce(p->>'algorithm', 'EA11'),
        coalesce((p->>'dkga')::smallint, 4),
        coalesce((p->>'base_date')::smallint, 2014),
        coalesce(p->>'install_address', ''),
        hs_ble_id(p->>'ble_id'),
        coalesce((p->>'ble_gateway')::boolean, false))
    RETURNING * INTO v;
    PERFORM hs_audit(p_actor, p_utility, 'create', 'meter', v.id::text,
                     NULL, hs_meter_json(v));
    RETURN hs_meter_json(v);
END $$;

CREATE OR REPLACE FUNCTION hs_api_meter_update(p_actor text, p_utility bigint,
                                    p_id bigint, p jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_old meters;
    v_new meters;
BEGIN
    SELECT * INTO v_old FROM meters
     WHERE id = p_id AND utility_id = p_utility FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF v_old.status = 'removed' THEN
        RAISE EXCEPTION 'status: a removed meter cannot change'
              USING ERRCODE = 'HS422';
    END IF;
    PERFORM hs_ble_check(p_id,
        CASE WHEN p ? 'ble_id' THEN hs_ble_id(p->>'ble_id')
             ELSE v_old.ble_id END,
        CASE WHEN p ? 'ble_gateway' THEN (p->>'ble_gateway')::boolean
             ELSE v_old.ble_gateway END);
    UPDATE meters SET
        customer_id = CASE WHEN p ? 'customer_id'
            THEN hs_customer_in(p_utility, (p->>'customer_id')::bigint)
            ELSE customer_id END,
        tariff_group_id = CASE WHEN p ? 'tariff'
            THEN hs_tariff_group_id(p_utility, p->>'tariff', service_type)
            ELSE tariff_group_id END,
        tariff_index = CASE WHEN p ? 'tariff_index'
            THEN (p->>'tariff_index')::smallint ELSE tariff_index END,
        install_address = CASE WHEN p ? 'install_address'
            THEN coalesce(p->>'install_address', '') ELSE install_address END,
        status = CASE WHEN p ? 'status' THEN p->>'status' ELSE status END,
        ble_id = CASE WHEN p ? 'ble_id' THEN hs_ble_id(p->>'ble_id')
            ELSE ble_id END,
        ble_gateway = CASE WHEN p ? 'ble_gateway'
            THEN (p->>'ble_gateway')::boolean ELSE ble_gateway END,
        updated_at = now()
     WHERE id = p_id
    RETURNING * INTO v_new;
    PERFORM hs_audit(p_actor, p_utility,
                     CASE WHEN v_new.status <> v_old.status
                          THEN 'status:' || v_new.status ELSE 'update' END,
                     'meter', p_id::text, hs_meter_json(v_old),
                     hs_meter_json(v_new));
    RETURN hs_meter_json(v_new);
END $$;

CREATE OR REPLACE FUNCTION hs_notify_tokens(p_purchases bigint[], p_resend text)
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
    -- A meter behind a building BLE gateway also gets the tokens pushed
    -- to it there (channel "ble"), key change tokens first.
    INSERT INTO outbox (utility_id, customer_id, kind, channel, recipient,
                        subject, body, idem_key)
    SELECT p.utility_id, p.customer_id, 'token', 'ble',
           lpad(to_hex(m.ble_id), 8, '0'), 'Token',
           jsonb_build_object('meter_id', lpad(to_hex(m.ble_id), 8, '0'),
               'tokens', to_jsonb(coalesce(t.key_change, '{}')
                                  || t.token))::text,
           'token:' || p.id || coalesce(':resend:' || p_resend, '') || ':ble'
      FROM purchases p
      JOIN tokens t ON t.purchase_id = p.id
      JOIN meters m ON m.id = p.meter_id
     WHERE p.id = ANY (p_purchases) AND m.ble_gateway
       AND m.ble_id IS NOT NULL
    ON CONFLICT (idem_key) DO NOTHING;
    IF v_items IS NULL THEN
        RETURN 0;
    END IF;
    RETURN hs_notify_many('token', 'Token', v_items);
END $$;
