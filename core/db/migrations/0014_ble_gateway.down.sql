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
    IF v_items IS NULL THEN
        RETURN 0;
    END IF;
    RETURN hs_notify_many('token', 'Token', v_items);
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

CREATE OR REPLACE FUNCTION hs_api_meter_create(p_actor text, p_utility bigint, p jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v meters;
BEGIN
    INSERT INTO meters (utility_id, customer_id, number, pan, service_type,
        tariff_group_id, sgc, tariff_index, key_revision, key_type,
        key_expiry, algorithm, dkga, base_date, install_address)
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
        coalesce(p->>'install_address', ''))
    RETURNING * INTO v;
    PERFORM hs_audit(p_actor, p_utility, 'create', 'meter', v.id::text,
                     NULL, hs_meter_json(v));
    RETURN hs_meter_json(v);
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
        'created_at', m.created_at, 'updated_at', m.updated_at);
$$;

DROP FUNCTION hs_ble_check(bigint, bigint, boolean);
DROP FUNCTION hs_ble_id(text);
ALTER TABLE meters DROP CONSTRAINT meters_ble_gateway_id;
ALTER TABLE meters DROP COLUMN ble_gateway;
