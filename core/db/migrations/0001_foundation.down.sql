DROP FUNCTION hs_job_finish(bigint, text, boolean, text, timestamptz);
DROP FUNCTION hs_job_claim(text[], text, integer, interval);
DROP FUNCTION hs_job_enqueue(text, jsonb, text, text);
DROP TABLE jobs;
