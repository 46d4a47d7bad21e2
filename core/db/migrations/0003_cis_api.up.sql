-- The CIS's named queries: sessions, API keys, login throttling, and the
-- customers/meters/audit API.  Each business change is one function call,
-- so the change and its audit row commit together in one round trip.
-- Validation errors are raised with SQLSTATE 'HS422' and the field name
-- as the message's first word; the server maps them to 422.

-- ----------------------------------------------------------- sessions
CREATE FUNCTION hs_session_use(p_hash text)
RETURNS TABLE (user_id bigint, utility_id bigint, role text,
               customer_id bigint, csrf_token text)
LANGUAGE sql AS $$
    UPDATE sessions s
       SET idle_until = least(s.expires_at, now() + interval '30 minutes')
      FROM users u
     WHERE s.token_hash = p_hash AND u.id = s.user_id
       AND u.status = 'active'
       AND s.expires_at > now() AND s.idle_until > now()
    RETURNING u.id, u.utility_id, u.role, u.customer_id, s.csrf_token;
$$;

CREATE FUNCTION hs_api_key_use(p_prefix text, p_hash text)
RETURNS TABLE (id bigint, utility_id bigint, permissions text[])
LANGUAGE sql AS $$
    UPDATE api_keys k SET last_used_at = now()
     WHERE k.prefix = p_prefix AND k.key_hash = p_hash
       AND k.revoked_at IS NULL
    RETURNING k.id, k.utility_id, k.permissions;
$$;

-- ------------------------------------------------------------ log in
-- Seconds until another attempt is allowed: 5 failures per account or
-- 20 per address within 15 minutes block for the rest of the window.
CREATE FUNCTION hs_login_blocked(p_email text, p_addr text)
RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT coalesce(max(ceil(extract(epoch FROM
               window_from + interval '15 minutes' - now())))::integer, 0)
      FROM login_failures
     WHERE window_from > now() - interval '15 minutes'
       AND ((key = 'user:' || lower(p_email) AND failures >= 5)
         OR (key = 'addr:' || p_addr AND failures >= 20));
$$;

CREATE FUNCTION hs_login_failure(p_email text, p_addr text)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO login_failures AS f (key, failures, window_from)
    VALUES ('user:' || lower(p_email), 1, now()),
           ('addr:' || p_addr, 1, now())
    ON CONFLICT (key) DO UPDATE
       SET failures = CASE WHEN f.window_from > now() - interval '15 minutes'
                           THEN f.failures + 1 ELSE 1 END,
           window_from = CASE WHEN f.window_from > now() - interval '15 minutes'
                              THEN f.window_from ELSE now() END;
$$;

CREATE FUNCTION hs_user_json(u users) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', u.id, 'utility_id', u.utility_id,
        'email', u.email, 'name', u.name, 'role', u.role,
        'customer_id', u.customer_id, 'status', u.status);
$$;

-- A fresh session (the old one, if any, was never reused: a new token is
-- made at every login), failures for the account cleared, audited.
CREATE FUNCTION hs_login_success(p_user bigint, p_hash text, p_csrf text,
                                 p_addr text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_user users;
BEGIN
    SELECT * INTO v_user FROM users WHERE id = p_user;
    DELETE FROM sessions WHERE user_id = p_user AND expires_at < now();
    INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at,
                          idle_until, address)
    VALUES (p_hash, p_user, p_csrf, now() + interval '12 hours',
            now() + interval '30 minutes', p_addr);
    DELETE FROM login_failures WHERE key = 'user:' || lower(v_user.email);
    PERFORM hs_audit('user:' || p_user, v_user.utility_id, 'login', 'user',
                     p_user::text, NULL, jsonb_build_object('address', p_addr));
    RETURN hs_user_json(v_user);
END $$;

CREATE FUNCTION hs_logout(p_hash text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_user bigint;
    v_utility bigint;
BEGIN
    DELETE FROM sessions s WHERE s.token_hash = p_hash
    RETURNING s.user_id INTO v_user;
    IF v_user IS NOT NULL THEN
        SELECT utility_id INTO v_utility FROM users WHERE id = v_user;
        PERFORM hs_audit('user:' || v_user, v_utility, 'logout', 'user',
                         v_user::text, NULL, NULL);
    END IF;
END $$;

-- ----------------------------------------------------------- customers
CREATE FUNCTION hs_like_escape(p text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT replace(replace(replace(p, '\', '\\'), '%', '\%'), '_', '\_');
$$;

CREATE FUNCTION hs_customer_json(c customers) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', c.id, 'number', c.number, 'name', c.name,
        'address', c.address, 'phone', c.phone, 'email', c.email,
        'group', (SELECT g.code FROM customer_groups g WHERE g.id = c.group_id),
        'status', c.status, 'created_at', c.created_at,
        'updated_at', c.updated_at);
$$;

CREATE FUNCTION hs_api_customers(p_utility bigint, p_q text, p_status text,
                                 p_limit integer, p_offset integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH f AS (
        SELECT c, count(*) OVER () AS total
          FROM customers c
         WHERE c.utility_id = p_utility
           AND (p_status IS NULL OR c.status = p_status)
           AND (p_q IS NULL
                OR c.number LIKE hs_like_escape(p_q) || '%'
                OR lower(c.name) LIKE '%' || lower(hs_like_escape(p_q)) || '%'
                OR c.phone LIKE '%' || hs_like_escape(p_q) || '%')
         ORDER BY c.number
         LIMIT p_limit OFFSET p_offset)
    SELECT jsonb_build_object(
        'items', coalesce(jsonb_agg(hs_customer_json(f.c)
                                    ORDER BY (f.c).number), '[]'::jsonb),
        'total', coalesce(max(f.total), 0),
        'limit', p_limit, 'offset', p_offset)
      FROM f;
$$;

-- p_only: a customer's own id (customers see nothing else), or NULL.
CREATE FUNCTION hs_api_customer(p_utility bigint, p_id bigint, p_only bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT hs_customer_json(c) FROM customers c
     WHERE c.id = p_id AND c.utility_id = p_utility
       AND (p_only IS NULL OR c.id = p_only);
$$;

CREATE FUNCTION hs_group_id(p_utility bigint, p_code text)
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_id bigint;
BEGIN
    IF p_code IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT id INTO v_id FROM customer_groups
     WHERE utility_id = p_utility AND code = p_code;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'group: no customer group %', p_code
              USING ERRCODE = 'HS422';
    END IF;
    RETURN v_id;
END $$;

CREATE FUNCTION hs_api_customer_create(p_actor text, p_utility bigint,
                                       p jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v customers;
BEGIN
    INSERT INTO customers (utility_id, number, name, address, phone, email,
                           group_id)
    VALUES (p_utility, p->>'number', p->>'name', coalesce(p->>'address', ''),
            p->>'phone', p->>'email', hs_group_id(p_utility, p->>'group'))
    RETURNING * INTO v;
    PERFORM hs_audit(p_actor, p_utility, 'create', 'customer', v.id::text,
                     NULL, hs_customer_json(v));
    RETURN hs_customer_json(v);
END $$;

-- Partial update: only the keys present in p change; a JSON null clears
-- an optional field.
CREATE FUNCTION hs_api_customer_update(p_actor text, p_utility bigint,
                                       p_id bigint, p jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_old customers;
    v_new customers;
BEGIN
    SELECT * INTO v_old FROM customers
     WHERE id = p_id AND utility_id = p_utility FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    UPDATE customers SET
        name = CASE WHEN p ? 'name' THEN p->>'name' ELSE name END,
        address = CASE WHEN p ? 'address' THEN coalesce(p->>'address', '')
                       ELSE address END,
        phone = CASE WHEN p ? 'phone' THEN p->>'phone' ELSE phone END,
        email = CASE WHEN p ? 'email' THEN p->>'email' ELSE email END,
        group_id = CASE WHEN p ? 'group'
                        THEN hs_group_id(p_utility, p->>'group')
                        ELSE group_id END,
        status = CASE WHEN p ? 'status' THEN p->>'status' ELSE status END,
        updated_at = now()
     WHERE id = p_id
    RETURNING * INTO v_new;
    PERFORM hs_audit(p_actor, p_utility, 'update', 'customer', p_id::text,
                     hs_customer_json(v_old), hs_customer_json(v_new));
    RETURN hs_customer_json(v_new);
END $$;

-- -------------------------------------------------------------- meters
CREATE FUNCTION hs_meter_json(m meters) RETURNS jsonb LANGUAGE sql STABLE AS $$
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

CREATE FUNCTION hs_api_meters(p_utility bigint, p_only bigint, p_q text,
                              p_status text, p_customer bigint,
                              p_limit integer, p_offset integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH f AS (
        SELECT m, count(*) OVER () AS total
          FROM meters m
         WHERE m.utility_id = p_utility
           AND (p_only IS NULL OR m.customer_id = p_only)
           AND (p_customer IS NULL OR m.customer_id = p_customer)
           AND (p_status IS NULL OR m.status = p_status)
           AND (p_q IS NULL OR m.number LIKE hs_like_escape(p_q) || '%'
                OR m.install_address ILIKE '%' || hs_like_escape(p_q) || '%')
         ORDER BY m.number
         LIMIT p_limit OFFSET p_offset)
    SELECT jsonb_build_object(
        'items', coalesce(jsonb_agg(hs_meter_json(f.m)
                                    ORDER BY (f.m).number), '[]'::jsonb),
        'total', coalesce(max(f.total), 0),
        'limit', p_limit, 'offset', p_offset)
      FROM f;
$$;

CREATE FUNCTION hs_api_meter(p_utility bigint, p_id bigint, p_only bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT hs_meter_json(m) FROM meters m
     WHERE m.id = p_id AND m.utility_id = p_utility
       AND (p_only IS NULL OR m.customer_id = p_only);
$$;

CREATE FUNCTION hs_tariff_group_id(p_utility bigint, p_code text,
                                   p_service text)
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
    v_id bigint;
BEGIN
    IF p_code IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT id INTO v_id FROM tariff_groups
     WHERE utility_id = p_utility AND code = p_code
       AND service_type = p_service;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'tariff: no % tariff group %', p_service, p_code
              USING ERRCODE = 'HS422';
    END IF;
    RETURN v_id;
END $$;

CREATE FUNCTION hs_customer_in(p_utility bigint, p_customer bigint)
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF p_customer IS NOT NULL AND NOT EXISTS (SELECT 1 FROM customers
        WHERE id = p_customer AND utility_id = p_utility) THEN
        RAISE EXCEPTION 'customer_id: no customer %', p_customer
              USING ERRCODE = 'HS422';
    END IF;
    RETURN p_customer;
END $$;

-- The server has already checked the meter number's Luhn digit and made
-- the PAN from it.
CREATE FUNCTION hs_api_meter_create(p_actor text, p_utility bigint, p jsonb)
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

CREATE FUNCTION hs_api_meter_update(p_actor text, p_utility bigint,
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

-- --------------------------------------------------------------- audit
CREATE FUNCTION hs_api_audit(p_utility bigint, p_limit integer,
                             p_before bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('items', coalesce(jsonb_agg(jsonb_build_object(
            'seq', a.seq, 'ts', a.ts, 'actor', a.actor, 'action', a.action,
            'object_type', a.object_type, 'object_id', a.object_id,
            'before', a.before, 'after', a.after, 'hash', a.hash)
            ORDER BY a.seq DESC), '[]'::jsonb))
      FROM (SELECT * FROM audit_log
             WHERE utility_id = p_utility
               AND (p_before IS NULL OR seq < p_before)
             ORDER BY seq DESC LIMIT p_limit) a;
$$;
