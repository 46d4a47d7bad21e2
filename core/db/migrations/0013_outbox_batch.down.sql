CREATE OR REPLACE FUNCTION hs_outbox_result(p_id bigint, p_worker text, p_ok boolean,
    p_retry_ms integer, p_ref text, p_error text)
RETURNS boolean LANGUAGE sql AS $$
    UPDATE outbox
       SET state = CASE WHEN p_ok THEN 'sent'
                        WHEN p_retry_ms IS NOT NULL THEN 'queued'
                        ELSE 'failed' END,
           not_before = CASE WHEN p_retry_ms IS NOT NULL
                        THEN now() + p_retry_ms * interval '1 millisecond'
                        ELSE not_before END,
           provider_ref = coalesce(p_ref, provider_ref),
           last_error = p_error,
           sent_at = CASE WHEN p_ok THEN now() ELSE sent_at END,
           leased_until = NULL, leased_by = NULL
     WHERE id = p_id AND leased_by = p_worker AND state = 'sending'
    RETURNING true;
$$;
DROP FUNCTION hs_outbox_results(text, bigint[], boolean[], integer[], text[],
                                text[]);
CREATE OR REPLACE FUNCTION hs_outbox_claim(p_channel text, p_worker text,
                                           p_limit integer, p_lease interval)
RETURNS SETOF outbox LANGUAGE sql AS $$
    UPDATE outbox o
       SET state = 'sending', attempts = o.attempts + 1,
           leased_until = now() + p_lease, leased_by = p_worker
     WHERE o.id IN (
           SELECT id FROM outbox
            WHERE channel = p_channel AND state = 'queued'
              AND not_before <= now()
            ORDER BY not_before, id
            LIMIT p_limit
              FOR UPDATE SKIP LOCKED)
    RETURNING o.*;
$$;
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (channel, not_before)
    WHERE state IN ('queued', 'sending');
