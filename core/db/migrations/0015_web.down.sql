DROP FUNCTION hs_api_audit_verify();
DROP FUNCTION hs_api_dashboard(bigint);
CREATE OR REPLACE FUNCTION hs_user_json(u users) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', u.id, 'utility_id', u.utility_id,
        'email', u.email, 'name', u.name, 'role', u.role,
        'customer_id', u.customer_id, 'status', u.status);
$$;
