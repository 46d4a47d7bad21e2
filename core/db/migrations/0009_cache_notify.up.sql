-- Every change to a record the workers cache is announced on channel
-- 'hs_cache' (delivered at commit, to every worker of every node), so a
-- logout, a disabled user, a revoked API key or a blocked meter takes
-- effect everywhere at once rather than when a cache entry expires.
CREATE FUNCTION hs_cache_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'sessions' THEN
        PERFORM pg_notify('hs_cache', 'session:' || OLD.token_hash);
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('hs_cache', 'user:' || OLD.id);
    ELSIF TG_TABLE_NAME = 'api_keys' THEN
        PERFORM pg_notify('hs_cache', 'apikey:' || OLD.id);
    ELSIF TG_TABLE_NAME = 'meters' THEN
        PERFORM pg_notify('hs_cache', 'meter:' || OLD.id);
    ELSIF TG_TABLE_NAME = 'tariff_groups' THEN
        PERFORM pg_notify('hs_cache', 'meters:*');
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER sessions_cache AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION hs_cache_notify();
CREATE TRIGGER users_cache AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION hs_cache_notify();
CREATE TRIGGER api_keys_cache AFTER UPDATE ON api_keys
    FOR EACH ROW
    WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
          OR OLD.permissions IS DISTINCT FROM NEW.permissions)
    EXECUTE FUNCTION hs_cache_notify();
CREATE TRIGGER api_keys_cache_delete AFTER DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION hs_cache_notify();

-- Using an API key must not write on every request either: last_used_at
-- is kept to the minute.
CREATE OR REPLACE FUNCTION hs_api_key_use(p_prefix text, p_hash text)
RETURNS TABLE (id bigint, utility_id bigint, permissions text[])
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE api_keys k SET last_used_at = now()
     WHERE k.prefix = p_prefix AND k.key_hash = p_hash
       AND k.revoked_at IS NULL
       AND (k.last_used_at IS NULL
            OR k.last_used_at < now() - interval '1 minute');
    RETURN QUERY SELECT k.id, k.utility_id, k.permissions FROM api_keys k
     WHERE k.prefix = p_prefix AND k.key_hash = p_hash
       AND k.revoked_at IS NULL;
END $$;
CREATE TRIGGER meters_cache AFTER UPDATE OR DELETE ON meters
    FOR EACH ROW EXECUTE FUNCTION hs_cache_notify();
CREATE TRIGGER tariff_groups_cache AFTER UPDATE OR DELETE ON tariff_groups
    FOR EACH ROW EXECUTE FUNCTION hs_cache_notify();
