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

CREATE OR REPLACE FUNCTION hs_api_meter(p_utility bigint, p_id bigint,
                                        p_only bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT jsonb_build_object('id', m.id, 'number', m.number,
        'pan', m.pan, 'customer_id', m.customer_id,
        'service_type', m.service_type, 'tariff', t.code, 'sgc', m.sgc,
        'tariff_index', m.tariff_index, 'key_revision', m.key_revision,
        'key_type', m.key_type, 'key_expiry', m.key_expiry,
        'algorithm', m.algorithm, 'dkga', m.dkga, 'base_date', m.base_date,
        'install_address', m.install_address, 'status', m.status,
        'created_at', m.created_at, 'updated_at', m.updated_at)
      FROM meters m LEFT JOIN tariff_groups t ON t.id = m.tariff_group_id
     WHERE m.id = p_id AND m.utility_id = p_utility
       AND (p_only IS NULL OR m.customer_id = p_only));
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
