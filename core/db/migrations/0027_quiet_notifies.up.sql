-- PostgreSQL serialises every committing transaction that sent a NOTIFY
-- (one lock, held from just before the commit until its WAL is flushed),
-- so on a busy machine each such commit waits for the one before it to be
-- scheduled, written and flushed.  The whole-system load test (bench/load)
-- found that lock the most waited-for thing in the database at 2,000
-- users.  Two kinds of NOTIFY did not need to wait at all:
--
-- * Sliding a session's idle timeout (hs_session_use, at most once a
--   minute per session) announced the session to every worker's cache.
--   The workers cache who the session is, not how long it lasts, and a
--   later idle limit changes nothing they hold; only a shorter life, a new
--   CSRF token or the row's deletion (logout) must reach them.
-- * Notices with no data of their own (the push of a token or a notice to
--   a customer's open browsers, "typing" in the chat) were committed like
--   payments.  A NOTIFY is never durable (a database restart loses what
--   was not yet delivered, and every listener catches up by reading), so
--   these commit without waiting for the WAL flush.
CREATE FUNCTION hs_notify_async(p_channel text, p_payload text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    PERFORM pg_notify(p_channel, p_payload);
END $$;

DROP TRIGGER sessions_cache ON sessions;
CREATE TRIGGER sessions_cache AFTER UPDATE ON sessions
    FOR EACH ROW
    WHEN (NEW.idle_until < OLD.idle_until
          OR NEW.expires_at < OLD.expires_at
          OR NEW.csrf_token IS DISTINCT FROM OLD.csrf_token
          OR NEW.user_id IS DISTINCT FROM OLD.user_id)
    EXECUTE FUNCTION hs_cache_notify();
CREATE TRIGGER sessions_cache_delete AFTER DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION hs_cache_notify();
