CREATE OR REPLACE FUNCTION hs_outbox_sweep(p_resendable text[])
RETURNS integer LANGUAGE sql AS $$
    WITH s AS (
        UPDATE outbox
           SET state = CASE WHEN channel = ANY (p_resendable) THEN 'queued'
                            ELSE 'unknown' END,
               last_error = 'the sender stopped mid-send',
               leased_until = NULL, leased_by = NULL
         WHERE state = 'sending' AND leased_until < now()
        RETURNING 1)
    SELECT count(*)::integer FROM s;
$$;

CREATE OR REPLACE FUNCTION hs_outbox_results(p_worker text, p_ids bigint[],
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

CREATE OR REPLACE FUNCTION hs_outbox_delivery(p_channel text, p_ref text,
                                   p_delivered boolean, p_detail text)
RETURNS boolean LANGUAGE sql AS $$
    UPDATE outbox
       SET state = CASE WHEN p_delivered THEN 'delivered' ELSE 'failed' END,
           delivered_at = CASE WHEN p_delivered THEN now() END,
           last_error = CASE WHEN p_delivered THEN last_error ELSE p_detail END
     WHERE channel = p_channel AND provider_ref = p_ref
       AND state IN ('sent', 'delivered', 'failed', 'unknown')
    RETURNING true;
$$;

DROP TABLE outbox_early_reports;
