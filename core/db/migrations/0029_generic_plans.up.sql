-- PL/pgSQL caches a plan per statement, but PostgreSQL tries the first
-- five calls with plans made for their arguments and keeps doing so while
-- the generic plan looks dearer, which it does whenever an argument is an
-- array (unnest of a parameter is guessed at ten rows, of a value at its
-- length).  Then every call plans every statement again: hs_notify_tokens
-- cost 0.68 ms a call that way and 0.09 ms with its generic plans, and the
-- whole-system load test (bench/load) found it the dearest statement under
-- vending.  The functions of the request and job paths look rows up by key
-- (an id, a hash, an order), where the generic plan is the right one, so
-- they always use it.
ALTER FUNCTION hs_job_enqueue(text, jsonb, text, text)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION hs_login_success(bigint, text, text, text)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION hs_session_use(text)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION hs_idem_begin(text, text, text, interval)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION hs_purchase_create(text, bigint, bigint, bigint, text, boolean,
    bigint, bigint, bigint, bigint, bigint, jsonb, bigint, bigint, integer,
    text, text, integer)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION hs_purchase_created(text, text, text, text, text, timestamptz,
    boolean)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION hs_payment_event(text, text, text, text, text, bigint, text,
    text)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION hs_vend_store_many(bigint[], text[], text[], bigint[], text)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION hs_notify_tokens(bigint[], text)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION hs_notify_many(text, text, hs_notice[])
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION hs_notify(bigint, bigint, text, text, text, jsonb, text)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION hs_outbox_claim(text, text, integer, interval)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION hs_outbox_results(text, bigint[], boolean[], integer[], text[],
    text[])
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION hs_chat_open(bigint, bigint, text)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION hs_chat_post(bigint, bigint, bigint, text, text, text, text,
    bigint)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION hs_chat_read(bigint, bigint, bigint, text, bigint)
    SET plan_cache_mode = force_generic_plan;
