-- Foundation: the durable job queue every subsystem shares.
--
-- Jobs are claimed with FOR UPDATE SKIP LOCKED so that any number of
-- workers on any number of nodes share them without a coordinator, and a
-- crashed worker's job becomes claimable again when its lease runs out.

CREATE TABLE jobs (
    id           bigserial PRIMARY KEY,
    kind         text        NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.-]{0,63}$'),
    payload      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    dedupe_key   text,
    source       text        NOT NULL DEFAULT 'core',
    state        text        NOT NULL DEFAULT 'queued'
                 CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts     integer     NOT NULL DEFAULT 0,
    run_at       timestamptz NOT NULL DEFAULT now(),
    leased_until timestamptz,
    leased_by    text,
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);

-- One live job per (kind, dedupe_key): a second enqueue is a no-op.
CREATE UNIQUE INDEX jobs_dedupe ON jobs (kind, dedupe_key)
    WHERE dedupe_key IS NOT NULL;
-- The claim query's access path: due, unfinished jobs by time.
CREATE INDEX jobs_due ON jobs (run_at) WHERE state IN ('queued', 'running');

-- Enqueue a job; returns its id, or the existing job's id for a duplicate.
CREATE FUNCTION hs_job_enqueue(p_kind text, p_payload jsonb,
                               p_dedupe text, p_source text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    INSERT INTO jobs (kind, payload, dedupe_key, source)
    VALUES (p_kind, coalesce(p_payload, '{}'::jsonb), p_dedupe,
            coalesce(p_source, 'core'))
    ON CONFLICT (kind, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        SELECT id INTO v_id FROM jobs
         WHERE kind = p_kind AND dedupe_key = p_dedupe;
    END IF;
    RETURN v_id;
END $$;

-- Claim up to p_limit due jobs of the given kinds for p_worker, leasing
-- them for p_lease; jobs whose lease ran out (a crashed worker) are due.
CREATE FUNCTION hs_job_claim(p_kinds text[], p_worker text, p_limit integer,
                             p_lease interval)
RETURNS SETOF jobs LANGUAGE sql AS $$
    UPDATE jobs j
       SET state = 'running', attempts = j.attempts + 1,
           leased_until = now() + p_lease, leased_by = p_worker
     WHERE j.id IN (
           SELECT id FROM jobs
            WHERE kind = ANY (p_kinds)
              AND ((state = 'queued' AND run_at <= now())
                OR (state = 'running' AND leased_until < now()))
            ORDER BY run_at
            LIMIT p_limit
              FOR UPDATE SKIP LOCKED)
    RETURNING j.*;
$$;

-- Finish a claimed job: done, or back to the queue at p_retry_at (NULL
-- means failed for good).  Only the worker holding the lease may finish.
CREATE FUNCTION hs_job_finish(p_id bigint, p_worker text, p_ok boolean,
                              p_error text, p_retry_at timestamptz)
RETURNS boolean LANGUAGE sql AS $$
    UPDATE jobs
       SET state = CASE WHEN p_ok THEN 'done'
                        WHEN p_retry_at IS NULL THEN 'failed'
                        ELSE 'queued' END,
           run_at = coalesce(p_retry_at, run_at),
           last_error = p_error,
           leased_until = NULL, leased_by = NULL,
           finished_at = CASE WHEN p_ok OR p_retry_at IS NULL THEN now() END
     WHERE id = p_id AND leased_by = p_worker AND state = 'running'
    RETURNING true;
$$;
