-- The claim's order (not_before, id) straight from an index: a burst of
-- notices written in one transaction shares one not_before, and with the
-- old index each claim read and sorted the whole burst to find the first
-- 64 ids.
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (channel, not_before, id)
    WHERE state IN ('queued', 'sending');

-- The outbox dispatcher records its outcomes a batch at a time: one
-- statement and one commit for every send that finished while the last
-- batch was being recorded.  Both dispatcher statements are plpgsql, whose
-- plans a session keeps (a LANGUAGE sql function called from the client is
-- parsed and planned again on every call).

CREATE OR REPLACE FUNCTION hs_outbox_claim(p_channel text, p_worker text,
                                           p_limit integer, p_lease interval)
RETURNS SETOF outbox LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY
    UPDATE outbox o
       SET state = 'sending', attempts = o.attempts + 1,
           leased_until = now() + p_lease, leased_by = p_worker
     WHERE o.id IN (
           SELECT x.id FROM outbox x
            WHERE x.channel = p_channel AND x.state = 'queued'
              AND x.not_before <= now()
            ORDER BY x.not_before, x.id
            LIMIT p_limit
              FOR UPDATE SKIP LOCKED)
    RETURNING o.*;
END $$;

-- The outcomes of many sends, as hs_outbox_result records one: p_retry_ms
-- not NULL means queue it again then; NULL with p_ok false, failed for
-- good.  Only the worker holding a message's lease records it.  Returns
-- how many were recorded.
CREATE FUNCTION hs_outbox_results(p_worker text, p_ids bigint[],
    p_ok boolean[], p_retry_ms integer[], p_refs text[], p_errors text[])
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_n integer;
BEGIN
    UPDATE outbox o
       SET state = CASE WHEN r.ok THEN 'sent'
                        WHEN r.retry_ms IS NOT NULL THEN 'queued'
                        ELSE 'failed' END,
           not_before = CASE WHEN r.retry_ms IS NOT NULL
                        THEN now() + r.retry_ms * interval '1 millisecond'
                        ELSE o.not_before END,
           provider_ref = coalesce(r.ref, o.provider_ref),
           last_error = r.error,
           sent_at = CASE WHEN r.ok THEN now() ELSE o.sent_at END,
           leased_until = NULL, leased_by = NULL
      FROM unnest(p_ids, p_ok, p_retry_ms, p_refs, p_errors)
           AS r (id, ok, retry_ms, ref, error)
     WHERE o.id = r.id AND o.leased_by = p_worker AND o.state = 'sending';
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END $$;

-- One outcome (the form 0011 defined).
CREATE OR REPLACE FUNCTION hs_outbox_result(p_id bigint, p_worker text,
    p_ok boolean, p_retry_ms integer, p_ref text, p_error text)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    RETURN hs_outbox_results(p_worker, ARRAY[p_id], ARRAY[p_ok],
        ARRAY[p_retry_ms], ARRAY[p_ref], ARRAY[p_error]) = 1;
END $$;
