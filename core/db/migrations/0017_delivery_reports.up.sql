-- Delivery reports, made safe against two races.
--
-- A provider may report on a message before the dispatcher has written
-- the send's outcome (outcomes are written a batch at a time), so the
-- report finds no row with its provider id: it is kept here and applied
-- when the outcome is written.  And reports arrive out of order: a
-- delivered message stays delivered (a late "failed" does not undo it),
-- while a failure may still turn into a delivery.

CREATE TABLE outbox_early_reports (
    channel      text NOT NULL,
    provider_ref text NOT NULL,
    delivered    boolean NOT NULL,
    detail       text,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel, provider_ref)
);

CREATE OR REPLACE FUNCTION hs_outbox_delivery(p_channel text, p_ref text,
                                              p_delivered boolean,
                                              p_detail text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    v_n integer;
BEGIN
    UPDATE outbox
       SET state = CASE WHEN p_delivered THEN 'delivered' ELSE 'failed' END,
           delivered_at = CASE WHEN p_delivered THEN now() END,
           last_error = CASE WHEN p_delivered THEN last_error ELSE p_detail END
     WHERE channel = p_channel AND provider_ref = p_ref
       AND (state IN ('sent', 'unknown') OR (state = 'failed' AND p_delivered));
    GET DIAGNOSTICS v_n = ROW_COUNT;
    IF v_n = 0 AND NOT EXISTS (SELECT 1 FROM outbox
                                WHERE channel = p_channel
                                  AND provider_ref = p_ref) THEN
        INSERT INTO outbox_early_reports (channel, provider_ref, delivered,
                                          detail)
        VALUES (p_channel, p_ref, p_delivered, p_detail)
        ON CONFLICT (channel, provider_ref) DO UPDATE
           SET delivered = outbox_early_reports.delivered OR
                           excluded.delivered,
               detail = excluded.detail;
    END IF;
    RETURN true;
END $$;

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
    -- Delivery reports that arrived before these outcomes were written.
    WITH e AS (
        DELETE FROM outbox_early_reports r
         USING outbox o
         WHERE o.id = ANY (p_ids) AND o.channel = r.channel
           AND o.provider_ref = r.provider_ref
        RETURNING r.*)
    UPDATE outbox o
       SET state = CASE WHEN e.delivered THEN 'delivered' ELSE 'failed' END,
           delivered_at = CASE WHEN e.delivered THEN e.received_at END,
           last_error = CASE WHEN e.delivered THEN o.last_error
                        ELSE e.detail END
      FROM e
     WHERE o.channel = e.channel AND o.provider_ref = e.provider_ref
       AND o.state = 'sent';
    RETURN v_n;
END $$;

-- The sweep also forgets early reports no send ever claimed (a week).
CREATE OR REPLACE FUNCTION hs_outbox_sweep(p_resendable text[])
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_n integer;
BEGIN
    UPDATE outbox
       SET state = CASE WHEN channel = ANY (p_resendable) THEN 'queued'
                        ELSE 'unknown' END,
           last_error = 'the sender stopped mid-send',
           leased_until = NULL, leased_by = NULL
     WHERE state = 'sending' AND leased_until < now();
    GET DIAGNOSTICS v_n = ROW_COUNT;
    DELETE FROM outbox_early_reports
     WHERE received_at < now() - interval '7 days';
    RETURN v_n;
END $$;
