-- The administration API's named queries: users, API keys, tariff groups
-- and their dated versions.  As in 0003, each change is one function call
-- that writes the change and its audit row in one transaction, and every
-- query is scoped to the caller's utility.  Validation errors are raised
-- with SQLSTATE 'HS422' ("field: message"); 'HS409' marks a change that
-- conflicts with the record's state (revoking a revoked key).  Audit rows
-- never hold a password hash, an API key's secret or its hash.

-- Why a key was revoked, kept with the key as well as in the audit log.
ALTER TABLE api_keys ADD COLUMN revoked_reason text;

-- ---------------------------------------------------------------- users
CREATE FUNCTION hs_admin_user_json(u users) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT hs_user_json(u) || jsonb_build_object(
        'customer_number', (SELECT c.number FROM customers c
                             WHERE c.id = u.customer_id),
        'created_at', u.created_at);
$$;

CREATE FUNCTION hs_api_users(p_utility bigint, p_q text, p_role text,
                             p_status text, p_limit integer,
                             p_offset integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH f AS (
        SELECT u, count(*) OVER () AS total
          FROM users u
         WHERE u.utility_id = p_utility
           AND (p_role IS NULL OR u.role = p_role)
           AND (p_status IS NULL OR u.status = p_status)
           AND (p_q IS NULL
                OR lower(u.email) LIKE '%' || lower(hs_like_escape(p_q)) || '%'
                OR lower(u.name) LIKE '%' || lower(hs_like_escape(p_q)) || '%')
         ORDER BY lower(u.email)
         LIMIT p_limit OFFSET p_offset)
    SELECT jsonb_build_object(
        'items', coalesce(jsonb_agg(hs_admin_user_json(f.u)
                                    ORDER BY lower((f.u).email)), '[]'::jsonb),
        'total', coalesce(max(f.total), 0),
        'limit', p_limit, 'offset', p_offset)
      FROM f;
$$;

CREATE FUNCTION hs_api_user(p_utility bigint, p_id bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT hs_admin_user_json(u) FROM users u
     WHERE u.id = p_id AND u.utility_id = p_utility;
$$;

-- p: {email, name, role, customer_number?}; p_hash: the scrypt hash the
-- server made on its compute pool.  A customer account must name an
-- existing customer of this utility that has no account yet; a staff
-- account must not name one.  Emails are unique across the deployment
-- (they are the login), so a clash answers 409 whatever the utility.
CREATE FUNCTION hs_api_user_create(p_actor text, p_utility bigint, p jsonb,
                                   p_hash text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v users;
    v_customer bigint;
BEGIN
    IF p->>'role' = 'customer' THEN
        IF p->>'customer_number' IS NULL THEN
            RAISE EXCEPTION 'customer_number: a customer account needs the '
                  'customer''s number' USING ERRCODE = 'HS422';
        END IF;
        SELECT id INTO v_customer FROM customers
         WHERE utility_id = p_utility AND number = p->>'customer_number';
        IF v_customer IS NULL THEN
            RAISE EXCEPTION 'customer_number: no customer %',
                  p->>'customer_number' USING ERRCODE = 'HS422';
        END IF;
        IF EXISTS (SELECT 1 FROM users WHERE customer_id = v_customer) THEN
            RAISE EXCEPTION 'customer_number: customer % already has an '
                  'account', p->>'customer_number' USING ERRCODE = 'HS409';
        END IF;
    ELSIF p->>'customer_number' IS NOT NULL THEN
        RAISE EXCEPTION 'customer_number: only a customer account is linked '
              'to a customer' USING ERRCODE = 'HS422';
    END IF;
    INSERT INTO users (utility_id, email, name, role, customer_id,
                       password_hash)
    VALUES (p_utility, p->>'email', p->>'name', p->>'role', v_customer,
            p_hash)
    RETURNING * INTO v;
    PERFORM hs_audit(p_actor, p_utility, 'create', 'user', v.id::text,
                     NULL, hs_admin_user_json(v));
    RETURN hs_admin_user_json(v);
END $$;

-- Partial update of name, role and status.  Disabling an account or
-- changing its role ends its sessions in the same transaction (the
-- sessions' cache triggers then evict them on every worker), so a demoted
-- or disabled user's open browser cannot keep the old rights.  p_self is
-- the calling admin: they cannot disable or demote themselves, which also
-- means a utility can never lose its last admin through this call.  A
-- customer account stays a customer and staff stay staff: the role is
-- tied to the customer link.
CREATE FUNCTION hs_api_user_update(p_actor text, p_utility bigint,
                                   p_self bigint, p_id bigint, p jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_old users;
    v_new users;
    v_ended integer := 0;
BEGIN
    SELECT * INTO v_old FROM users
     WHERE id = p_id AND utility_id = p_utility FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF p_id = p_self AND p->>'status' = 'disabled' THEN
        RAISE EXCEPTION 'status: you cannot disable your own account'
              USING ERRCODE = 'HS422';
    END IF;
    IF p_id = p_self AND p ? 'role' AND p->>'role' <> v_old.role THEN
        RAISE EXCEPTION 'role: you cannot change your own role'
              USING ERRCODE = 'HS422';
    END IF;
    IF p ? 'role' AND (p->>'role' = 'customer') <> (v_old.role = 'customer')
    THEN
        RAISE EXCEPTION 'role: a customer account cannot become staff, nor '
              'a staff account a customer' USING ERRCODE = 'HS422';
    END IF;
    UPDATE users SET
        name = CASE WHEN p ? 'name' THEN p->>'name' ELSE name END,
        role = CASE WHEN p ? 'role' THEN p->>'role' ELSE role END,
        status = CASE WHEN p ? 'status' THEN p->>'status' ELSE status END
     WHERE id = p_id
    RETURNING * INTO v_new;
    IF v_new.role <> v_old.role OR
       (v_new.status = 'disabled' AND v_old.status <> 'disabled') THEN
        DELETE FROM sessions WHERE user_id = p_id;
        GET DIAGNOSTICS v_ended = ROW_COUNT;
    END IF;
    PERFORM hs_audit(p_actor, p_utility,
                     CASE WHEN v_new.status <> v_old.status
                          THEN 'status:' || v_new.status ELSE 'update' END,
                     'user', p_id::text, hs_admin_user_json(v_old),
                     hs_admin_user_json(v_new) ||
                     jsonb_build_object('sessions_ended', v_ended));
    RETURN hs_admin_user_json(v_new);
END $$;

-- What a password change needs before it verifies the current password:
-- the stored hash, and how long the account is throttled (wrong current
-- passwords count as failed logins, so a stolen session cannot be used
-- to guess the password at scrypt's expense without limit).
CREATE FUNCTION hs_password_state(p_user bigint, p_addr text)
RETURNS TABLE (password_hash text, email text, blocked integer)
LANGUAGE sql STABLE AS $$
    SELECT u.password_hash, u.email, hs_login_blocked(u.email, p_addr)
      FROM users u WHERE u.id = p_user AND u.status = 'active';
$$;

-- Set the new hash if the stored one is still the one the server checked
-- the current password against (two concurrent changes cannot both win),
-- and end every other session of the user.  NULL when the hash moved.
CREATE FUNCTION hs_api_password_change(p_user bigint, p_session text,
                                       p_checked text, p_hash text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v users;
    v_ended integer;
BEGIN
    UPDATE users SET password_hash = p_hash
     WHERE id = p_user AND password_hash = p_checked AND status = 'active'
    RETURNING * INTO v;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    DELETE FROM sessions WHERE user_id = p_user AND token_hash <> p_session;
    GET DIAGNOSTICS v_ended = ROW_COUNT;
    PERFORM hs_audit('user:' || p_user, v.utility_id, 'password', 'user',
                     p_user::text, NULL,
                     jsonb_build_object('sessions_ended', v_ended));
    RETURN jsonb_build_object('changed', true, 'sessions_ended', v_ended);
END $$;

-- ------------------------------------------------------------- API keys
CREATE FUNCTION hs_api_key_json(k api_keys) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', k.id, 'name', k.name,
        'prefix', k.prefix, 'permissions', to_jsonb(k.permissions),
        'created_by', k.created_by, 'created_at', k.created_at,
        'revoked_at', k.revoked_at, 'revoked_reason', k.revoked_reason,
        'last_used_at', k.last_used_at);
$$;

CREATE FUNCTION hs_api_keys(p_utility bigint, p_limit integer,
                            p_offset integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH f AS (
        SELECT k, count(*) OVER () AS total
          FROM api_keys k
         WHERE k.utility_id = p_utility
         ORDER BY k.id
         LIMIT p_limit OFFSET p_offset)
    SELECT jsonb_build_object(
        'items', coalesce(jsonb_agg(hs_api_key_json(f.k) ORDER BY (f.k).id),
                          '[]'::jsonb),
        'total', coalesce(max(f.total), 0),
        'limit', p_limit, 'offset', p_offset)
      FROM f;
$$;

-- The server made the prefix and secret; only the secret's SHA-256 is
-- stored, and the audit row holds neither.
CREATE FUNCTION hs_api_key_create(p_actor text, p_utility bigint,
                                  p_user bigint, p_name text, p_prefix text,
                                  p_hash text, p_permissions text[])
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v api_keys;
BEGIN
    INSERT INTO api_keys (utility_id, name, prefix, key_hash, permissions,
                          created_by)
    VALUES (p_utility, p_name, p_prefix, p_hash, p_permissions, p_user)
    RETURNING * INTO v;
    PERFORM hs_audit(p_actor, p_utility, 'create', 'api_key', v.id::text,
                     NULL, hs_api_key_json(v));
    RETURN hs_api_key_json(v);
END $$;

CREATE FUNCTION hs_api_key_revoke(p_actor text, p_utility bigint,
                                  p_id bigint, p_reason text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_old api_keys;
    v_new api_keys;
BEGIN
    SELECT * INTO v_old FROM api_keys
     WHERE id = p_id AND utility_id = p_utility FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF v_old.revoked_at IS NOT NULL THEN
        RAISE EXCEPTION 'id: the key was already revoked'
              USING ERRCODE = 'HS409';
    END IF;
    UPDATE api_keys SET revoked_at = now(), revoked_reason = p_reason
     WHERE id = p_id
    RETURNING * INTO v_new;
    PERFORM hs_audit(p_actor, p_utility, 'revoke', 'api_key', p_id::text,
                     hs_api_key_json(v_old), hs_api_key_json(v_new));
    RETURN hs_api_key_json(v_new);
END $$;

-- -------------------------------------------------------------- tariffs
CREATE FUNCTION hs_tariff_version_json(v tariff_versions) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', v.id, 'valid_from', v.valid_from,
        'blocks', v.blocks, 'fixed_monthly', v.fixed_monthly,
        'minimum_charge', v.minimum_charge, 'admin_fee', v.admin_fee,
        'tax_bp', v.tax_bp, 'late_penalty_bp', v.late_penalty_bp,
        'created_at', v.created_at);
$$;

CREATE FUNCTION hs_tariff_json(g tariff_groups) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', g.id, 'code', g.code, 'name', g.name,
        'service_type', g.service_type,
        'versions', coalesce((SELECT jsonb_agg(hs_tariff_version_json(v)
                                               ORDER BY v.valid_from)
                                FROM tariff_versions v
                               WHERE v.tariff_group_id = g.id), '[]'::jsonb));
$$;

CREATE FUNCTION hs_api_tariffs(p_utility bigint, p_q text, p_service text,
                               p_limit integer, p_offset integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH f AS (
        SELECT g, count(*) OVER () AS total
          FROM tariff_groups g
         WHERE g.utility_id = p_utility
           AND (p_service IS NULL OR g.service_type = p_service)
           AND (p_q IS NULL
                OR lower(g.code) LIKE lower(hs_like_escape(p_q)) || '%'
                OR lower(g.name) LIKE '%' || lower(hs_like_escape(p_q)) || '%')
         ORDER BY g.code
         LIMIT p_limit OFFSET p_offset)
    SELECT jsonb_build_object(
        'items', coalesce(jsonb_agg(hs_tariff_json(f.g) ORDER BY (f.g).code),
                          '[]'::jsonb),
        'total', coalesce(max(f.total), 0),
        'limit', p_limit, 'offset', p_offset)
      FROM f;
$$;

CREATE FUNCTION hs_api_tariff(p_utility bigint, p_id bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT hs_tariff_json(g) FROM tariff_groups g
     WHERE g.id = p_id AND g.utility_id = p_utility;
$$;

CREATE FUNCTION hs_api_tariff_create(p_actor text, p_utility bigint, p jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v tariff_groups;
BEGIN
    INSERT INTO tariff_groups (utility_id, code, name, service_type)
    VALUES (p_utility, p->>'code', p->>'name', p->>'service_type')
    RETURNING * INTO v;
    PERFORM hs_audit(p_actor, p_utility, 'create', 'tariff', v.id::text,
                     NULL, hs_tariff_json(v));
    RETURN hs_tariff_json(v);
END $$;

-- A new version of a tariff group.  The server has parsed and checked
-- the blocks (ascending, the last open-ended) and the amounts.
--
-- History is append-only: a version applies from its valid_from until
-- the next one, and bills and vends already made used the version valid
-- then.  So a new version must start after the group's latest version
-- (the same date is a duplicate: 409), and, once the group has a version,
-- not before today in the utility's own time zone, which would re-price
-- days already billed or sold.  A group's first version may be dated in
-- the past: that is how a utility records the tariff it already has.
-- Correcting a mistake is a new version from today, never an edit.
CREATE FUNCTION hs_api_tariff_version_create(p_actor text, p_utility bigint,
                                             p_group bigint, p jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_group tariff_groups;
    v_from date := (p->>'valid_from')::date;
    v_latest date;
    v_today date;
    v tariff_versions;
BEGIN
    SELECT * INTO v_group FROM tariff_groups
     WHERE id = p_group AND utility_id = p_utility FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM tariff_versions WHERE tariff_group_id = p_group
                  AND valid_from = v_from) THEN
        RAISE EXCEPTION 'valid_from: a version from % already exists', v_from
              USING ERRCODE = 'unique_violation';
    END IF;
    SELECT max(valid_from) INTO v_latest FROM tariff_versions
     WHERE tariff_group_id = p_group;
    IF v_latest IS NOT NULL THEN
        IF v_from < v_latest THEN
            RAISE EXCEPTION 'valid_from: must be after the latest version '
                  '(%)', v_latest USING ERRCODE = 'HS422';
        END IF;
        SELECT (now() AT TIME ZONE u.timezone)::date INTO v_today
          FROM utilities u WHERE u.id = p_utility;
        IF v_from < v_today THEN
            RAISE EXCEPTION 'valid_from: cannot be before today (%): days '
                  'already billed keep their tariff', v_today
                  USING ERRCODE = 'HS422';
        END IF;
    END IF;
    INSERT INTO tariff_versions (tariff_group_id, valid_from, blocks,
        fixed_monthly, minimum_charge, admin_fee, tax_bp, late_penalty_bp)
    VALUES (p_group, v_from, p->'blocks',
        (p->>'fixed_monthly')::bigint, (p->>'minimum_charge')::bigint,
        (p->>'admin_fee')::bigint, (p->>'tax_bp')::integer,
        (p->>'late_penalty_bp')::integer)
    RETURNING * INTO v;
    PERFORM hs_audit(p_actor, p_utility, 'create', 'tariff_version',
                     v.id::text, NULL, hs_tariff_version_json(v) ||
                     jsonb_build_object('tariff_group_id', p_group,
                                        'tariff', v_group.code));
    RETURN hs_tariff_version_json(v);
END $$;
