-- Notifications, meter telemetry and live chat.
--
-- Telemetry: what a meter reported (through a customer's phone or a BLE
-- gateway), verified by the server under the meter's key before it is
-- stored, so a customer cannot fake their own balance.  The latest state
-- per meter carries the estimate of days left.
--
-- Notifications: an outbox.  Each message is written in the transaction
-- of the event that caused it (a token stored, a low reading, a payment),
-- with a unique idempotency key, and sent by a dispatcher that claims with
-- SKIP LOCKED.  A message whose send may have reached the provider is
-- never sent again.
--
-- Chat: conversations between a customer and the utility's staff,
-- persisted, fanned out to every node with NOTIFY hs_chat.

-- ----------------------------------------------------------- telemetry

ALTER TABLE meters ADD COLUMN ble_id bigint
    CHECK (ble_id BETWEEN 1 AND 4294967295);
CREATE UNIQUE INDEX meters_ble_id ON meters (ble_id) WHERE ble_id IS NOT NULL;

CREATE TABLE telemetry (
    id          bigserial PRIMARY KEY,
    meter_id    bigint NOT NULL REFERENCES meters,
    utility_id  bigint NOT NULL REFERENCES utilities,
    source      text NOT NULL CHECK (source IN ('phone', 'gateway')),
    nm          text NOT NULL,           -- the meter's session nonce
    credit      bigint,                  -- litres (or Wh) left, may be < 0
    consumed    bigint,                  -- total since installation
    flags       integer,
    battery_mv  integer,
    hour        integer,                 -- the meter's hour counter
    received_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (meter_id, nm)                -- a session is uploaded once
);
CREATE INDEX telemetry_meter ON telemetry (meter_id, received_at DESC);

-- Hourly consumption from the meters' hour logs (litres per hour).
CREATE TABLE meter_hours (
    meter_id    bigint NOT NULL REFERENCES meters,
    hour        timestamptz NOT NULL,
    units       integer NOT NULL CHECK (units >= 0),
    PRIMARY KEY (meter_id, hour)
);

-- The latest known state of each meter and what it means.
CREATE TABLE meter_state (
    meter_id    bigint PRIMARY KEY REFERENCES meters,
    credit      bigint NOT NULL,
    consumed    bigint NOT NULL,
    valve_open  boolean NOT NULL,
    tamper      boolean NOT NULL,
    battery_low boolean NOT NULL,
    battery_mv  integer,
    daily_use   bigint,                  -- units per day, recent average
    days_left   numeric(8, 1),
    reported_at timestamptz NOT NULL
);

-- ---------------------------------------------------------- preferences

-- A customer's own choices: the low-balance threshold (units or days),
-- channels per kind of notice, quiet hours in the utility's zone.
CREATE TABLE notification_prefs (
    customer_id     bigint PRIMARY KEY REFERENCES customers,
    low_units       bigint CHECK (low_units >= 0),   -- litres or Wh
    low_days        numeric(5, 1) CHECK (low_days >= 0),
    channels        jsonb NOT NULL DEFAULT
        '{"token": ["push", "sms"], "low_balance": ["push", "sms"],
          "payment": ["push"], "bill": ["push", "sms"],
          "tamper": ["push", "sms"], "battery": ["push"]}'::jsonb,
    quiet_start     time,
    quiet_end       time,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------- outbox

CREATE TABLE outbox (
    id            bigserial PRIMARY KEY,
    utility_id    bigint NOT NULL REFERENCES utilities,
    customer_id   bigint REFERENCES customers,
    kind          text NOT NULL,          -- token, low_balance, payment, ...
    channel       text NOT NULL,          -- sms, push, webhook, ...
    recipient     text NOT NULL,
    subject       text,
    body          text NOT NULL,
    idem_key      text NOT NULL UNIQUE,   -- one message per event and channel
    state         text NOT NULL DEFAULT 'queued' CHECK (state IN (
                      'queued', 'sending', 'sent', 'delivered', 'failed',
                      'unknown')),
    attempts      integer NOT NULL DEFAULT 0,
    not_before    timestamptz NOT NULL DEFAULT now(),
    leased_until  timestamptz,
    leased_by     text,
    provider_ref  text,
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz,
    delivered_at  timestamptz
);
CREATE INDEX outbox_due ON outbox (channel, not_before)
    WHERE state IN ('queued', 'sending');
CREATE INDEX outbox_provider_ref ON outbox (channel, provider_ref)
    WHERE provider_ref IS NOT NULL;
CREATE INDEX outbox_customer ON outbox (customer_id, created_at DESC);

-- ------------------------------------------------------------------ chat

CREATE TABLE chat_conversations (
    id            bigserial PRIMARY KEY,
    utility_id    bigint NOT NULL REFERENCES utilities,
    customer_id   bigint NOT NULL REFERENCES customers,
    subject       text NOT NULL DEFAULT '',
    state         text NOT NULL DEFAULT 'open'
                  CHECK (state IN ('open', 'closed')),
    assigned_to   bigint REFERENCES users,
    last_message  bigint,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_conversations_utility ON chat_conversations
    (utility_id, state, updated_at DESC);
CREATE INDEX chat_conversations_customer ON chat_conversations
    (customer_id, updated_at DESC);

CREATE TABLE chat_attachments (
    id              bigserial PRIMARY KEY,
    conversation_id bigint NOT NULL REFERENCES chat_conversations,
    mime            text NOT NULL CHECK (mime IN ('image/jpeg', 'image/png',
                                                  'image/webp')),
    size            integer NOT NULL CHECK (size BETWEEN 1 AND 2097152),
    data            bytea NOT NULL,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE chat_messages (
    id              bigserial PRIMARY KEY,
    conversation_id bigint NOT NULL REFERENCES chat_conversations,
    sender          text NOT NULL,   -- 'customer:<id>', 'user:<id>', 'system'
    sender_name     text NOT NULL,
    body            text NOT NULL CHECK (length(body) <= 4000),
    attachment_id   bigint REFERENCES chat_attachments,
    client_id       text,            -- the sender's own id: resends dedupe
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (conversation_id, sender, client_id)
);
CREATE INDEX chat_messages_conversation ON chat_messages
    (conversation_id, id);

-- How far each participant has read (unread counts, read receipts).
CREATE TABLE chat_reads (
    conversation_id bigint NOT NULL REFERENCES chat_conversations,
    reader          text NOT NULL,   -- 'customer:<id>' or 'user:<id>'
    last_read       bigint NOT NULL,
    PRIMARY KEY (conversation_id, reader)
);

CREATE TABLE chat_canned (
    id          bigserial PRIMARY KEY,
    utility_id  bigint NOT NULL REFERENCES utilities,
    title       text NOT NULL,
    body        text NOT NULL,
    UNIQUE (utility_id, title)
);

-- Integrators' webhook subscriptions: the events a utility's integrator
-- wants, delivered by the webhook transport to url.
CREATE TABLE webhook_subscriptions (
    id          bigserial PRIMARY KEY,
    utility_id  bigint NOT NULL REFERENCES utilities,
    url         text NOT NULL CHECK (url ~ '^https?://'),
    kinds       text[] NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (utility_id, url)
);

-- ------------------------------------------------------------ notifying

-- Queue one notice for a customer on every channel their preferences
-- choose for this kind (defaults when they chose nothing), plus the
-- integrators subscribed to it.  Called inside the transaction of the
-- event, so the notice exists exactly when the event does.  p_key names
-- the event; with the channel it is the message's idempotency key, so a
-- second call for the same event queues nothing.  SMS waits out the
-- customer's quiet hours (in the utility's zone); push is silent.
CREATE FUNCTION hs_notify(p_utility bigint, p_customer bigint, p_kind text,
    p_subject text, p_body text, p_data jsonb, p_key text)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_n integer;
    v_w integer := 0;
BEGIN
    -- One set-based insert: it runs in the event's transaction, on the
    -- paid-to-token path, so it must stay cheap.
    WITH c AS (
        SELECT c.id, c.phone, u.timezone, p.quiet_start, p.quiet_end,
               (now() AT TIME ZONE u.timezone)::time AS local_now,
               coalesce(p.channels, '{"token": ["push", "sms"],
                   "low_balance": ["push", "sms"], "payment": ["push"],
                   "bill": ["push", "sms"], "tamper": ["push", "sms"],
                   "battery": ["push"]}'::jsonb) -> p_kind AS chosen
          FROM customers c
          JOIN utilities u ON u.id = c.utility_id
          LEFT JOIN notification_prefs p ON p.customer_id = c.id
         WHERE c.id = p_customer),
    ch AS (
        SELECT c.*, x.channel,
               CASE x.channel WHEN 'sms' THEN c.phone
                              WHEN 'push' THEN 'customer:' || c.id END
                   AS recipient,
               x.channel = 'sms' AND c.quiet_start IS NOT NULL AND (
                   (c.quiet_start < c.quiet_end AND c.local_now >=
                    c.quiet_start AND c.local_now < c.quiet_end)
                OR (c.quiet_start > c.quiet_end AND (c.local_now >=
                    c.quiet_start OR c.local_now < c.quiet_end))) AS quiet
          FROM c, jsonb_array_elements_text(coalesce(c.chosen, '[]'))
               AS x (channel)),
    ins AS (
        INSERT INTO outbox (utility_id, customer_id, kind, channel,
            recipient, subject, body, idem_key, not_before)
        SELECT p_utility, p_customer, p_kind, ch.channel, ch.recipient,
               p_subject,
               CASE WHEN ch.channel = 'push'
                    THEN jsonb_build_object('kind', p_kind, 'subject',
                         p_subject, 'text', p_body, 'data', p_data)::text
                    ELSE p_body END,
               p_key || ':' || ch.channel,
               CASE WHEN ch.quiet
                    -- SMS waits out the customer's quiet hours.
                    THEN ((now() AT TIME ZONE ch.timezone)::date
                          + ch.quiet_end + CASE WHEN ch.local_now >=
                          ch.quiet_end THEN interval '1 day' ELSE
                          interval '0' END) AT TIME ZONE ch.timezone
                    ELSE now() END
          FROM ch WHERE ch.recipient IS NOT NULL
        ON CONFLICT (idem_key) DO NOTHING
        RETURNING 1)
    SELECT count(*) INTO v_n FROM ins;
    -- Integrators subscribed to this kind get a signed webhook.
    IF EXISTS (SELECT 1 FROM webhook_subscriptions
                WHERE utility_id = p_utility AND p_kind = ANY (kinds)) THEN
        WITH ins AS (
            INSERT INTO outbox (utility_id, customer_id, kind, channel,
                recipient, subject, body, idem_key)
            SELECT p_utility, p_customer, p_kind, 'webhook', s.url, t.type,
                   jsonb_build_object('type', t.type, 'utility', u.code,
                   'customer', (SELECT number FROM customers WHERE id =
                   p_customer), 'subject', p_subject, 'data', p_data,
                   'created_at', now())::text,
                   p_key || ':webhook:' || s.id
              FROM webhook_subscriptions s
              JOIN utilities u ON u.id = s.utility_id
             -- The event types integrators see (docs/webhooks.md).
             CROSS JOIN (SELECT CASE p_kind
                    WHEN 'token' THEN 'token.issued'
                    WHEN 'payment' THEN 'payment.received'
                    WHEN 'low_balance' THEN 'balance.low'
                    WHEN 'tamper' THEN 'meter.tamper'
                    WHEN 'battery' THEN 'meter.battery_low'
                    WHEN 'bill' THEN 'bill.issued'
                    ELSE p_kind END AS type) t
             WHERE s.utility_id = p_utility AND p_kind = ANY (s.kinds)
            ON CONFLICT (idem_key) DO NOTHING
            RETURNING 1)
        SELECT count(*) INTO v_w FROM ins;
    END IF;
    RETURN v_n + v_w;
END $$;

-- Rupiah as Indonesians write it: Rp52.500.
CREATE FUNCTION hs_rupiah(p bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT 'Rp' || replace(to_char(p, 'FM999,999,999,999'), ',', '.');
$$;

-- Litres as m3 with one decimal (4,5 m3) or Wh as kWh.
CREATE FUNCTION hs_volume(p_units bigint, p_service text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT replace(to_char(p_units / 1000.0, 'FM999999990.0'), '.', ',')
           || CASE p_service WHEN 'water' THEN ' m3' ELSE ' kWh' END;
$$;

-- The token notice (the notify.token job queued with the token runs
-- this): the digits grouped by four, and any key change tokens to enter
-- first.  A re-send (p_resend) is a new message with its own key.
CREATE FUNCTION hs_notify_token(p_purchase bigint, p_resend text)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    p purchases;
    t tokens;
    m meters;
    v_text text;
BEGIN
    SELECT * INTO p FROM purchases WHERE id = p_purchase;
    SELECT * INTO t FROM tokens WHERE purchase_id = p_purchase;
    IF t.id IS NULL THEN
        RETURN 0;
    END IF;
    SELECT * INTO m FROM meters WHERE id = p.meter_id;
    v_text := 'Token ' || CASE m.service_type WHEN 'water' THEN 'air'
              ELSE 'listrik' END || ' meter ' || m.number || ': '
              || substr(t.token, 1, 4) || ' ' || substr(t.token, 5, 4)
              || ' ' || substr(t.token, 9, 4) || ' ' || substr(t.token, 13, 4)
              || ' ' || substr(t.token, 17, 4)
              || ' (' || hs_volume(t.units, m.service_type) || ', '
              || hs_rupiah(p.total) || ').';
    IF t.key_change IS NOT NULL THEN
        v_text := v_text || ' Masukkan dulu token ganti kunci: '
                  || array_to_string(t.key_change, ', ') || '.';
    END IF;
    RETURN hs_notify(p.utility_id, p.customer_id, 'token', 'Token',
        v_text, jsonb_build_object('purchase', p.id, 'meter', m.id,
        'meter_number', m.number, 'token', t.token, 'units', t.units,
        'key_change_tokens', t.key_change),
        'token:' || p.id || coalesce(':resend:' || p_resend, ''));
END $$;

-- The token notice is written with the token (hs_vend_store), in its own
-- transaction: no job, no second commit.
CREATE OR REPLACE FUNCTION hs_vend_after_store(p_purchase bigint)
RETURNS void LANGUAGE sql AS $$
    SELECT NULL FROM (SELECT hs_notify_token(p_purchase, NULL)) x;
$$;

-- A payment received that will not become a token at once: the amount
-- differed (review) or the meter is gone (refund due).  A paid purchase
-- that vends is announced by its token notice alone, which names the
-- amount: one SMS per purchase, not two.
CREATE FUNCTION hs_notify_paid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM hs_notify(NEW.utility_id, NEW.customer_id, 'payment',
        'Pembayaran diterima', 'Pembayaran ' || hs_rupiah(coalesce(
        NEW.paid_amount, NEW.total)) || ' untuk order ' || NEW.order_id
        || ' diterima. Petugas kami akan menghubungi Anda.',
        jsonb_build_object('purchase', NEW.id, 'order', NEW.order_id,
        'paid', NEW.paid_amount, 'state', NEW.state), 'paid:' || NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER purchases_paid AFTER UPDATE OF state ON purchases
    FOR EACH ROW WHEN (NEW.state IN ('review', 'refund_due')
                       AND OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION hs_notify_paid();

-- ------------------------------------------------------------- dispatch

-- Claim due messages of one channel for a worker (SKIP LOCKED: any number
-- of workers and nodes share the outbox).
CREATE FUNCTION hs_outbox_claim(p_channel text, p_worker text,
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

-- The outcome of one send.  p_retry_ms: the peer was down or throttling
-- (timeout, 429, 5xx), try again then; NULL with p_ok false: failed for
-- good.  Only the worker holding the lease may record it.
CREATE FUNCTION hs_outbox_result(p_id bigint, p_worker text, p_ok boolean,
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

-- Messages whose sender died mid-send.  Where the channel's peer dedupes
-- on the message id (webhook, push) they are sent again; elsewhere (SMS)
-- the send may have reached the provider, so they are marked unknown and
-- never sent twice.
CREATE FUNCTION hs_outbox_sweep(p_resendable text[])
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

-- A provider's delivery report, matched by its own message id.
CREATE FUNCTION hs_outbox_delivery(p_channel text, p_ref text,
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

-- ------------------------------------------------------------ telemetry

-- Record one verified telemetry upload: the meter's state, its hourly
-- log (p_hours: [{"hour": unix seconds, "units": n}]), the recent daily
-- use and days left, and the notices the change calls for: low balance
-- when the credit first falls to the customer's threshold (units or days
-- left), tamper and battery-low when first seen.  A session (p_nm) is
-- recorded once; a replay is refused with HS409.
CREATE FUNCTION hs_telemetry_record(p_meter bigint, p_source text,
    p_nm text, p_credit bigint, p_consumed bigint, p_flags integer,
    p_battery integer, p_hour integer, p_hours jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    m meters;
    old meter_state;
    st meter_state;
    pr notification_prefs;
    v_id bigint;
    v_daily bigint;
    v_span numeric;
    v_low boolean;
    v_was_low boolean;
BEGIN
    SELECT * INTO m FROM meters WHERE id = p_meter FOR UPDATE;
    INSERT INTO telemetry (meter_id, utility_id, source, nm, credit,
        consumed, flags, battery_mv, hour)
    VALUES (m.id, m.utility_id, p_source, p_nm, p_credit, p_consumed,
        p_flags, p_battery, p_hour)
    ON CONFLICT (meter_id, nm) DO NOTHING
    RETURNING id INTO v_id;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'nm: this meter session was already uploaded'
            USING ERRCODE = 'HS409';
    END IF;
    INSERT INTO meter_hours (meter_id, hour, units)
    SELECT m.id, to_timestamp((h->>'hour')::bigint), (h->>'units')::integer
      FROM jsonb_array_elements(coalesce(p_hours, '[]'::jsonb)) h
    ON CONFLICT (meter_id, hour) DO UPDATE SET units = EXCLUDED.units;

    -- Daily use: the last 7 days of the hour log, else the change in the
    -- total since the oldest upload of the last 30 days.
    SELECT sum(units), greatest(extract(epoch FROM now() - min(hour))
                                / 86400.0, 1)
      INTO v_daily, v_span
      FROM meter_hours
     WHERE meter_id = m.id AND hour > now() - interval '7 days';
    IF v_daily IS NOT NULL THEN
        v_daily := round(v_daily / v_span);
    ELSE
        SELECT round((p_consumed - t.consumed)
                     / greatest(extract(epoch FROM now() - t.received_at)
                                / 86400.0, 0.04))
          INTO v_daily
          FROM telemetry t
         WHERE t.meter_id = m.id AND t.id <> v_id
           AND t.received_at > now() - interval '30 days'
         ORDER BY t.received_at LIMIT 1;
    END IF;

    SELECT * INTO old FROM meter_state WHERE meter_id = m.id;
    INSERT INTO meter_state (meter_id, credit, consumed, valve_open, tamper,
        battery_low, battery_mv, daily_use, days_left, reported_at)
    VALUES (m.id, p_credit, p_consumed, (p_flags & 1) <> 0,
        (p_flags & 4) <> 0, (p_flags & 32) <> 0, p_battery, v_daily,
        CASE WHEN v_daily > 0 THEN round(greatest(p_credit, 0)::numeric
             / v_daily, 1) END, now())
    ON CONFLICT (meter_id) DO UPDATE SET credit = EXCLUDED.credit,
        consumed = EXCLUDED.consumed, valve_open = EXCLUDED.valve_open,
        tamper = EXCLUDED.tamper, battery_low = EXCLUDED.battery_low,
        battery_mv = EXCLUDED.battery_mv, daily_use = EXCLUDED.daily_use,
        days_left = EXCLUDED.days_left, reported_at = EXCLUDED.reported_at
    RETURNING * INTO st;

    SELECT * INTO pr FROM notification_prefs WHERE customer_id = m.customer_id;
    v_low := (pr.low_units IS NOT NULL AND st.credit <= pr.low_units)
          OR (pr.low_days IS NOT NULL AND st.days_left <= pr.low_days);
    v_was_low := old.meter_id IS NOT NULL AND (
             (pr.low_units IS NOT NULL AND old.credit <= pr.low_units)
          OR (pr.low_days IS NOT NULL AND old.days_left <= pr.low_days));
    IF v_low AND NOT v_was_low AND m.customer_id IS NOT NULL THEN
        PERFORM hs_notify(m.utility_id, m.customer_id, 'low_balance',
            'Saldo hampir habis', 'Sisa ' || hs_volume(greatest(st.credit,
            0), m.service_type) || ' di meter ' || m.number
            || coalesce(', cukup sekitar ' || st.days_left || ' hari', '')
            || '. Beli token sekarang.', jsonb_build_object('meter', m.id,
            'credit', st.credit, 'days_left', st.days_left),
            'low:' || m.id || ':' || v_id);
    END IF;
    IF st.tamper AND NOT coalesce(old.tamper, false) THEN
        PERFORM hs_notify(m.utility_id, m.customer_id, 'tamper',
            'Meter dibuka', 'Meter ' || m.number || ' melaporkan tutupnya '
            || 'dibuka. Petugas akan memeriksa.', jsonb_build_object(
            'meter', m.id), 'tamper:' || m.id || ':' || v_id);
    END IF;
    IF st.battery_low AND NOT coalesce(old.battery_low, false) THEN
        PERFORM hs_notify(m.utility_id, m.customer_id, 'battery',
            'Baterai meter lemah', 'Baterai meter ' || m.number
            || ' lemah (' || p_battery || ' mV).', jsonb_build_object(
            'meter', m.id, 'battery_mv', p_battery),
            'battery:' || m.id || ':' || v_id);
    END IF;
    RETURN jsonb_build_object('meter_id', m.id, 'credit', st.credit,
        'consumed', st.consumed, 'valve_open', st.valve_open,
        'tamper', st.tamper, 'battery_low', st.battery_low,
        'battery_mv', st.battery_mv, 'daily_use', st.daily_use,
        'days_left', st.days_left, 'reported_at', st.reported_at,
        'unit', CASE m.service_type WHEN 'water' THEN 'litre' ELSE 'Wh' END);
END $$;

-- ------------------------------------------------------------------ chat

CREATE FUNCTION hs_chat_message_json(x chat_messages) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', x.id, 'conversation', x.conversation_id,
        'sender', x.sender, 'sender_name', x.sender_name, 'body', x.body,
        'attachment', x.attachment_id, 'client_id', x.client_id,
        'at', x.created_at);
$$;

-- Post a message (a customer into their own conversation, staff into any
-- of their utility's), once per client id, and announce it to every node.
CREATE FUNCTION hs_chat_post(p_utility bigint, p_conversation bigint,
    p_only_customer bigint, p_sender text, p_name text, p_body text,
    p_client_id text, p_attachment bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    cv chat_conversations;
    x chat_messages;
BEGIN
    SELECT * INTO cv FROM chat_conversations
     WHERE id = p_conversation AND utility_id = p_utility
       AND (p_only_customer IS NULL OR customer_id = p_only_customer)
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'conversation: no such conversation'
            USING ERRCODE = 'HS404';
    END IF;
    IF p_attachment IS NOT NULL AND NOT EXISTS (SELECT 1 FROM
            chat_attachments WHERE id = p_attachment AND
            conversation_id = cv.id) THEN
        RAISE EXCEPTION 'attachment: not in this conversation'
            USING ERRCODE = 'HS422';
    END IF;
    INSERT INTO chat_messages (conversation_id, sender, sender_name, body,
        attachment_id, client_id)
    VALUES (cv.id, p_sender, p_name, p_body, p_attachment, p_client_id)
    ON CONFLICT (conversation_id, sender, client_id) DO NOTHING
    RETURNING * INTO x;
    IF x.id IS NULL THEN
        SELECT * INTO x FROM chat_messages WHERE conversation_id = cv.id
           AND sender = p_sender AND client_id = p_client_id;
        RETURN hs_chat_message_json(x) || '{"duplicate": true}';
    END IF;
    UPDATE chat_conversations SET last_message = x.id, updated_at = now(),
           state = 'open'
     WHERE id = cv.id;
    INSERT INTO chat_reads VALUES (cv.id, p_sender, x.id)
    ON CONFLICT (conversation_id, reader) DO UPDATE SET last_read = x.id;
    PERFORM pg_notify('hs_chat', jsonb_build_object('type', 'message',
        'utility', cv.utility_id, 'customer', cv.customer_id,
        'message', hs_chat_message_json(x))::text);
    RETURN hs_chat_message_json(x);
END $$;

-- A customer's conversation with the utility: their open one, or a new one.
CREATE FUNCTION hs_chat_open(p_utility bigint, p_customer bigint,
                             p_subject text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    cv chat_conversations;
BEGIN
    SELECT * INTO cv FROM chat_conversations
     WHERE utility_id = p_utility AND customer_id = p_customer
       AND state = 'open' ORDER BY id DESC LIMIT 1;
    IF NOT FOUND THEN
        INSERT INTO chat_conversations (utility_id, customer_id, subject)
        VALUES (p_utility, p_customer, coalesce(p_subject, ''))
        RETURNING * INTO cv;
        PERFORM pg_notify('hs_chat', jsonb_build_object('type',
            'conversation', 'utility', cv.utility_id, 'customer',
            cv.customer_id, 'conversation', cv.id)::text);
    END IF;
    RETURN jsonb_build_object('id', cv.id, 'subject', cv.subject,
        'state', cv.state, 'assigned_to', cv.assigned_to);
END $$;

-- Messages after p_after (resume after a reconnect) or before p_before
-- (paging back through history), oldest first, at most p_limit.
CREATE FUNCTION hs_chat_messages(p_utility bigint, p_conversation bigint,
    p_only_customer bigint, p_after bigint, p_before bigint, p_limit integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_agg(hs_chat_message_json(x) ORDER BY x.id),
                    '[]'::jsonb)
      FROM (SELECT m.* FROM chat_messages m
              JOIN chat_conversations cv ON cv.id = m.conversation_id
             WHERE cv.id = p_conversation AND cv.utility_id = p_utility
               AND (p_only_customer IS NULL OR cv.customer_id = p_only_customer)
               AND (p_after IS NULL OR m.id > p_after)
               AND (p_before IS NULL OR m.id < p_before)
             ORDER BY CASE WHEN p_after IS NULL THEN -m.id ELSE m.id END
             LIMIT p_limit) x;
$$;

-- Mark read up to p_last; the other side sees the receipt.
CREATE FUNCTION hs_chat_read(p_utility bigint, p_conversation bigint,
    p_only_customer bigint, p_reader text, p_last bigint)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    cv chat_conversations;
BEGIN
    SELECT * INTO cv FROM chat_conversations
     WHERE id = p_conversation AND utility_id = p_utility
       AND (p_only_customer IS NULL OR customer_id = p_only_customer);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'conversation: no such conversation'
            USING ERRCODE = 'HS404';
    END IF;
    INSERT INTO chat_reads VALUES (cv.id, p_reader, p_last)
    ON CONFLICT (conversation_id, reader)
    DO UPDATE SET last_read = greatest(chat_reads.last_read, p_last);
    PERFORM pg_notify('hs_chat', jsonb_build_object('type', 'read',
        'utility', cv.utility_id, 'customer', cv.customer_id,
        'conversation', cv.id, 'reader', p_reader, 'last', p_last)::text);
    RETURN true;
END $$;

-- Assign (or hand over) a conversation to a member of staff.
CREATE FUNCTION hs_chat_assign(p_actor text, p_utility bigint,
    p_conversation bigint, p_user bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    cv chat_conversations;
    v_before bigint;
BEGIN
    IF p_user IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users WHERE id =
            p_user AND utility_id = p_utility AND role <> 'customer'
            AND status = 'active') THEN
        RAISE EXCEPTION 'user: not an active member of staff'
            USING ERRCODE = 'HS422';
    END IF;
    SELECT assigned_to INTO v_before FROM chat_conversations
     WHERE id = p_conversation AND utility_id = p_utility;
    UPDATE chat_conversations SET assigned_to = p_user, updated_at = now()
     WHERE id = p_conversation AND utility_id = p_utility
    RETURNING * INTO cv;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'conversation: no such conversation'
            USING ERRCODE = 'HS404';
    END IF;
    PERFORM hs_audit(p_actor, p_utility, 'chat.assign', 'conversation',
        cv.id::text, jsonb_build_object('assigned_to', v_before),
        jsonb_build_object('assigned_to', p_user));
    PERFORM pg_notify('hs_chat', jsonb_build_object('type', 'assigned',
        'utility', cv.utility_id, 'customer', cv.customer_id,
        'conversation', cv.id, 'assigned_to', p_user)::text);
    RETURN jsonb_build_object('id', cv.id, 'assigned_to', cv.assigned_to);
END $$;

-- Conversations with unread counts for one reader: a customer's own, or
-- staff's inbox (all of the utility's, open first, newest first).
CREATE FUNCTION hs_chat_list(p_utility bigint, p_only_customer bigint,
    p_reader text, p_limit integer, p_offset integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH f AS (
        SELECT cv, count(*) OVER () AS total
          FROM chat_conversations cv
         WHERE cv.utility_id = p_utility
           AND (p_only_customer IS NULL OR cv.customer_id = p_only_customer)
         ORDER BY cv.state = 'closed', cv.updated_at DESC
         LIMIT p_limit OFFSET p_offset)
    SELECT jsonb_build_object('items', coalesce(jsonb_agg(jsonb_build_object(
        'id', (f.cv).id, 'customer_id', (f.cv).customer_id,
        'customer_name', (SELECT name FROM customers WHERE id = (f.cv).customer_id),
        'subject', (f.cv).subject, 'state', (f.cv).state,
        'assigned_to', (f.cv).assigned_to,
        'last_message', (f.cv).last_message,
        'updated_at', (f.cv).updated_at,
        'unread', (SELECT count(*) FROM chat_messages m
                    WHERE m.conversation_id = (f.cv).id
                      AND m.sender <> p_reader
                      AND m.id > coalesce((SELECT last_read FROM chat_reads r
                            WHERE r.conversation_id = (f.cv).id
                              AND r.reader = p_reader), 0)))
        ORDER BY (f.cv).state = 'closed', (f.cv).updated_at DESC), '[]'::jsonb),
        'total', coalesce(max(f.total), 0), 'limit', p_limit,
        'offset', p_offset)
      FROM f;
$$;

-- --------------------------------------------------------------- reading

-- A meter's latest state and its consumption: hourly for the last two
-- days, daily for the last 30 (in the utility's zone).
CREATE FUNCTION hs_api_meter_state(p_utility bigint, p_meter bigint,
                                   p_only bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'meter_id', m.id, 'number', m.number,
        'unit', CASE m.service_type WHEN 'water' THEN 'litre' ELSE 'Wh' END,
        'state', (SELECT to_jsonb(s) - 'meter_id' FROM meter_state s
                   WHERE s.meter_id = m.id),
        'hourly', coalesce((SELECT jsonb_agg(jsonb_build_object(
                      'hour', h.hour, 'units', h.units) ORDER BY h.hour)
                    FROM meter_hours h WHERE h.meter_id = m.id
                     AND h.hour > now() - interval '48 hours'), '[]'::jsonb),
        'daily', coalesce((SELECT jsonb_agg(jsonb_build_object('day', d.day,
                      'units', d.units) ORDER BY d.day)
                    FROM (SELECT (h.hour AT TIME ZONE u.timezone)::date AS day,
                                 sum(h.units) AS units
                            FROM meter_hours h WHERE h.meter_id = m.id
                             AND h.hour > now() - interval '30 days'
                           GROUP BY 1) d), '[]'::jsonb))
      FROM meters m JOIN utilities u ON u.id = m.utility_id
     WHERE m.id = p_meter AND m.utility_id = p_utility
       AND (p_only IS NULL OR m.customer_id = p_only);
$$;

CREATE FUNCTION hs_prefs_json(p_customer bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('customer_id', c.id,
        'low_units', p.low_units, 'low_days', p.low_days,
        'channels', coalesce(p.channels, '{"token": ["push", "sms"],
            "low_balance": ["push", "sms"], "payment": ["push"],
            "bill": ["push", "sms"], "tamper": ["push", "sms"],
            "battery": ["push"]}'::jsonb),
        'quiet_start', to_char(p.quiet_start, 'HH24:MI'),
        'quiet_end', to_char(p.quiet_end, 'HH24:MI'))
      FROM customers c LEFT JOIN notification_prefs p ON p.customer_id = c.id
     WHERE c.id = p_customer;
$$;

-- A customer's notification settings.  Checked here: thresholds, the
-- kinds and channels named, quiet hours given both or neither.
CREATE FUNCTION hs_prefs_set(p_utility bigint, p_customer bigint, p jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_kind text;
    v_channel text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM customers WHERE id = p_customer
                      AND utility_id = p_utility) THEN
        RETURN NULL;
    END IF;
    IF p ? 'channels' THEN
        IF jsonb_typeof(p->'channels') <> 'object' THEN
            RAISE EXCEPTION 'channels: must be an object of lists'
                USING ERRCODE = 'HS422';
        END IF;
        FOR v_kind IN SELECT jsonb_object_keys(p->'channels') LOOP
            IF v_kind NOT IN ('token', 'low_balance', 'payment', 'bill',
                              'tamper', 'battery') THEN
                RAISE EXCEPTION 'channels: unknown kind %', v_kind
                    USING ERRCODE = 'HS422';
            END IF;
            IF jsonb_typeof(p->'channels'->v_kind) <> 'array' THEN
                RAISE EXCEPTION 'channels: % must be a list', v_kind
                    USING ERRCODE = 'HS422';
            END IF;
            FOR v_channel IN SELECT jsonb_array_elements_text(
                    p->'channels'->v_kind) LOOP
                IF v_channel NOT IN ('push', 'sms') THEN
                    RAISE EXCEPTION 'channels: unknown channel %', v_channel
                        USING ERRCODE = 'HS422';
                END IF;
            END LOOP;
        END LOOP;
    END IF;
    IF (p ? 'quiet_start') <> (p ? 'quiet_end') THEN
        RAISE EXCEPTION 'quiet_end: give quiet_start and quiet_end together'
            USING ERRCODE = 'HS422';
    END IF;
    INSERT INTO notification_prefs (customer_id) VALUES (p_customer)
    ON CONFLICT DO NOTHING;
    UPDATE notification_prefs SET
        low_units = CASE WHEN p ? 'low_units'
                    THEN (p->>'low_units')::bigint ELSE low_units END,
        low_days = CASE WHEN p ? 'low_days'
                   THEN (p->>'low_days')::numeric ELSE low_days END,
        channels = CASE WHEN p ? 'channels' THEN channels || (p->'channels')
                   ELSE channels END,
        quiet_start = CASE WHEN p ? 'quiet_start'
                      THEN (p->>'quiet_start')::time ELSE quiet_start END,
        quiet_end = CASE WHEN p ? 'quiet_end'
                    THEN (p->>'quiet_end')::time ELSE quiet_end END,
        updated_at = now()
     WHERE customer_id = p_customer;
    RETURN hs_prefs_json(p_customer);
END $$;

-- The notification log for staff (and a customer's own).
CREATE FUNCTION hs_api_notifications(p_utility bigint, p_only bigint,
    p_customer bigint, p_state text, p_channel text, p_limit integer,
    p_offset integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH f AS (
        SELECT o, count(*) OVER () AS total FROM outbox o
         WHERE o.utility_id = p_utility
           AND (p_only IS NULL OR o.customer_id = p_only)
           AND (p_customer IS NULL OR o.customer_id = p_customer)
           AND (p_state IS NULL OR o.state = p_state)
           AND (p_channel IS NULL OR o.channel = p_channel)
         ORDER BY o.id DESC LIMIT p_limit OFFSET p_offset)
    SELECT jsonb_build_object('items', coalesce(jsonb_agg(jsonb_build_object(
        'id', (f.o).id, 'customer_id', (f.o).customer_id,
        'kind', (f.o).kind, 'channel', (f.o).channel,
        'recipient', (f.o).recipient, 'subject', (f.o).subject,
        'state', (f.o).state, 'attempts', (f.o).attempts,
        'last_error', (f.o).last_error, 'created_at', (f.o).created_at,
        'sent_at', (f.o).sent_at, 'delivered_at', (f.o).delivered_at)
        ORDER BY (f.o).id DESC), '[]'::jsonb),
        'total', coalesce(max(f.total), 0), 'limit', p_limit,
        'offset', p_offset)
      FROM f;
$$;

-- A photo for a conversation (the meter, a leak): stored, then sent as a
-- message's attachment.  The server checked type and size.
CREATE FUNCTION hs_chat_attach(p_utility bigint, p_conversation bigint,
    p_only_customer bigint, p_mime text, p_data bytea, p_actor text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM chat_conversations
                    WHERE id = p_conversation AND utility_id = p_utility
                      AND (p_only_customer IS NULL
                           OR customer_id = p_only_customer)) THEN
        RETURN NULL;
    END IF;
    INSERT INTO chat_attachments (conversation_id, mime, size, data,
                                  created_by)
    VALUES (p_conversation, p_mime, length(p_data), p_data, p_actor)
    RETURNING id INTO v_id;
    RETURN jsonb_build_object('id', v_id, 'mime', p_mime,
                              'size', length(p_data));
END $$;

CREATE FUNCTION hs_chat_attachment(p_utility bigint, p_id bigint,
    p_only_customer bigint, OUT mime text, OUT data bytea)
LANGUAGE sql STABLE AS $$
    SELECT a.mime, a.data FROM chat_attachments a
      JOIN chat_conversations cv ON cv.id = a.conversation_id
     WHERE a.id = p_id AND cv.utility_id = p_utility
       AND (p_only_customer IS NULL OR cv.customer_id = p_only_customer);
$$;

CREATE FUNCTION hs_chat_canned_list(p_utility bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('items', coalesce(jsonb_agg(jsonb_build_object(
        'id', id, 'title', title, 'body', body) ORDER BY title), '[]'))
      FROM chat_canned WHERE utility_id = p_utility;
$$;

CREATE FUNCTION hs_chat_canned_create(p_actor text, p_utility bigint,
                                      p_title text, p_body text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    c chat_canned;
BEGIN
    INSERT INTO chat_canned (utility_id, title, body)
    VALUES (p_utility, p_title, p_body) RETURNING * INTO c;
    PERFORM hs_audit(p_actor, p_utility, 'create', 'chat_canned',
        c.id::text, NULL, jsonb_build_object('title', p_title));
    RETURN jsonb_build_object('id', c.id, 'title', c.title, 'body', c.body);
END $$;

-- A one-time code (sign-up, password reset; migration 0004 queues them
-- as notify.otp jobs) becomes an outbox message on its channel.  The
-- job's id keys it: a retried job sends nothing twice.  Codes are never
-- held back by quiet hours: the customer is waiting for them.
CREATE FUNCTION hs_notify_otp(p_job bigint, p jsonb)
RETURNS integer LANGUAGE sql AS $$
    WITH ins AS (
        INSERT INTO outbox (utility_id, customer_id, kind, channel,
            recipient, subject, body, idem_key)
        SELECT (p->>'utility_id')::bigint, (p->>'customer_id')::bigint,
               'otp', p->>'channel', p->>'to', 'Kode', p->>'text',
               'otp:' || p_job
         WHERE p->>'to' IS NOT NULL AND p->>'channel' IS NOT NULL
        ON CONFLICT (idem_key) DO NOTHING
        RETURNING 1)
    SELECT count(*)::integer FROM ins;
$$;
