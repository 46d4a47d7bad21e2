ALTER FUNCTION hs_job_enqueue(text, jsonb, text, text) RESET plan_cache_mode;
ALTER FUNCTION hs_login_success(bigint, text, text, text) RESET plan_cache_mode;
ALTER FUNCTION hs_session_use(text) RESET plan_cache_mode;
ALTER FUNCTION hs_idem_begin(text, text, text, interval) RESET plan_cache_mode;
ALTER FUNCTION hs_purchase_create(text, bigint, bigint, bigint, text, boolean,
    bigint, bigint, bigint, bigint, bigint, jsonb, bigint, bigint, integer,
    text, text, integer) RESET plan_cache_mode;
ALTER FUNCTION hs_purchase_created(text, text, text, text, text, timestamptz,
    boolean) RESET plan_cache_mode;
ALTER FUNCTION hs_payment_event(text, text, text, text, text, bigint, text,
    text) RESET plan_cache_mode;
ALTER FUNCTION hs_vend_store_many(bigint[], text[], text[], bigint[], text) RESET plan_cache_mode;
ALTER FUNCTION hs_notify_tokens(bigint[], text) RESET plan_cache_mode;
ALTER FUNCTION hs_notify_many(text, text, hs_notice[]) RESET plan_cache_mode;
ALTER FUNCTION hs_notify(bigint, bigint, text, text, text, jsonb, text) RESET plan_cache_mode;
ALTER FUNCTION hs_outbox_claim(text, text, integer, interval) RESET plan_cache_mode;
ALTER FUNCTION hs_outbox_results(text, bigint[], boolean[], integer[], text[],
    text[]) RESET plan_cache_mode;
ALTER FUNCTION hs_chat_open(bigint, bigint, text) RESET plan_cache_mode;
ALTER FUNCTION hs_chat_post(bigint, bigint, bigint, text, text, text, text,
    bigint) RESET plan_cache_mode;
ALTER FUNCTION hs_chat_read(bigint, bigint, bigint, text, bigint) RESET plan_cache_mode;
