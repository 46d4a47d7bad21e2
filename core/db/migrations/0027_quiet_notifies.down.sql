DROP TRIGGER sessions_cache_delete ON sessions;
DROP TRIGGER sessions_cache ON sessions;
CREATE TRIGGER sessions_cache AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION hs_cache_notify();
DROP FUNCTION hs_notify_async(text, text);
