DROP TRIGGER tariff_groups_cache ON tariff_groups;
DROP TRIGGER meters_cache ON meters;
DROP TRIGGER api_keys_cache_delete ON api_keys;
DROP TRIGGER api_keys_cache ON api_keys;
DROP FUNCTION hs_api_key_use(text, text);
CREATE FUNCTION hs_api_key_use(p_prefix text, p_hash text)
RETURNS TABLE (id bigint, utility_id bigint, permissions text[])
LANGUAGE sql AS $$
    UPDATE api_keys k SET last_used_at = now()
     WHERE k.prefix = p_prefix AND k.key_hash = p_hash
       AND k.revoked_at IS NULL
    RETURNING k.id, k.utility_id, k.permissions;
$$;
DROP TRIGGER users_cache ON users;
DROP TRIGGER sessions_cache ON sessions;
DROP FUNCTION hs_cache_notify();
