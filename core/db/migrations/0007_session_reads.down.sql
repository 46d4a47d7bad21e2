CREATE OR REPLACE FUNCTION hs_session_use(p_hash text)
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

CREATE OR REPLACE FUNCTION hs_api_meter(p_utility bigint, p_id bigint,
                                        p_only bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT hs_meter_json(m) FROM meters m
     WHERE m.id = p_id AND m.utility_id = p_utility
       AND (p_only IS NULL OR m.customer_id = p_only);
$$;

CREATE OR REPLACE FUNCTION hs_api_customer(p_utility bigint, p_id bigint,
                                           p_only bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT hs_customer_json(c) FROM customers c
     WHERE c.id = p_id AND c.utility_id = p_utility
       AND (p_only IS NULL OR c.id = p_only);
$$;
