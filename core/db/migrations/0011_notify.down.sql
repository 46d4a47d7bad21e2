DROP FUNCTION hs_notify_otp(bigint, jsonb);
DROP FUNCTION hs_chat_canned_create(text, bigint, text, text);
DROP FUNCTION hs_chat_canned_list(bigint);
DROP FUNCTION hs_chat_attachment(bigint, bigint, bigint);
DROP FUNCTION hs_chat_attach(bigint, bigint, bigint, text, bytea, text);
DROP FUNCTION hs_api_notifications(bigint, bigint, bigint, text, text, integer, integer);
DROP FUNCTION hs_prefs_set(bigint, bigint, jsonb);
DROP FUNCTION hs_prefs_json(bigint);
DROP FUNCTION hs_api_meter_state(bigint, bigint, bigint);
DROP FUNCTION hs_chat_list(bigint, bigint, text, integer, integer);
DROP FUNCTION hs_chat_assign(text, bigint, bigint, bigint);
DROP FUNCTION hs_chat_read(bigint, bigint, bigint, text, bigint);
DROP FUNCTION hs_chat_messages(bigint, bigint, bigint, bigint, bigint, integer);
DROP FUNCTION hs_chat_open(bigint, bigint, text);
DROP FUNCTION hs_chat_post(bigint, bigint, bigint, text, text, text, text, bigint);
DROP FUNCTION hs_chat_message_json(chat_messages);
DROP FUNCTION hs_telemetry_record(bigint, text, text, bigint, bigint, integer, integer, integer, jsonb);
DROP FUNCTION hs_outbox_delivery(text, text, boolean, text);
DROP FUNCTION hs_outbox_sweep(text[]);
DROP FUNCTION hs_outbox_result(bigint, text, boolean, integer, text, text);
DROP FUNCTION hs_outbox_claim(text, text, integer, interval);
DROP TRIGGER purchases_paid ON purchases;
DROP FUNCTION hs_notify_paid();
CREATE OR REPLACE FUNCTION hs_vend_after_store(p_purchase bigint)
RETURNS void LANGUAGE sql AS $$
    SELECT NULL FROM (SELECT hs_job_enqueue('notify.token',
        jsonb_build_object('purchase', p_purchase), 'token:' || p_purchase,
        'vend')) x;
$$;
DROP FUNCTION hs_notify_token(bigint, text);
DROP FUNCTION hs_volume(bigint, text);
DROP FUNCTION hs_rupiah(bigint);
DROP FUNCTION hs_notify(bigint, bigint, text, text, text, jsonb, text);
DROP TABLE webhook_subscriptions;
DROP TABLE chat_canned;
DROP TABLE chat_reads;
DROP TABLE chat_messages;
DROP TABLE chat_attachments;
DROP TABLE chat_conversations;
DROP TABLE outbox;
DROP TABLE notification_prefs;
DROP TABLE meter_state;
DROP TABLE meter_hours;
DROP TABLE telemetry;
DROP INDEX meters_ble_id;
ALTER TABLE meters DROP COLUMN ble_id;
