-- A customer's own lists (the app's home screen is hs_api_meters) read the
-- whole utility.  These functions were SQL-language functions, which
-- PostgreSQL 15 plans once per call without the arguments' values, so
-- "(p_only IS NULL OR m.customer_id = p_only)" could never use the
-- customer's index: every call scanned all of the utility's meters,
-- purchases, tokens, notices or invoices and filtered.  The whole-system
-- load test (bench/load) measured hs_api_meters at 2.7 ms a call with
-- 5,000 meters, the most expensive statement after vending; with a
-- million meters it is a sequential scan of a million rows per app start.
-- The same bodies in PL/pgSQL, planned each call with the arguments'
-- values (force_custom_plan), use meters_customer, purchases_customer,
-- tokens_customer, outbox_customer, invoices_customer,
-- bill_payments_customer and chat_conversations_customer when a customer
-- is named, and the utility's indexes otherwise.

CREATE OR REPLACE FUNCTION hs_api_meters(p_utility bigint, p_only bigint, p_q text,
                              p_status text, p_customer bigint,
                              p_limit integer, p_offset integer)
RETURNS jsonb LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_custom_plan AS $$
BEGIN
    RETURN (
        WITH f AS (
            SELECT m, count(*) OVER () AS total
              FROM meters m
             WHERE m.utility_id = p_utility
               AND (p_only IS NULL OR m.customer_id = p_only)
               AND (p_customer IS NULL OR m.customer_id = p_customer)
               AND (p_status IS NULL OR m.status = p_status)
               AND (p_q IS NULL OR m.number LIKE hs_like_escape(p_q) || '%'
                    OR m.install_address ILIKE '%' || hs_like_escape(p_q) || '%')
             ORDER BY m.number
             LIMIT p_limit OFFSET p_offset)
        SELECT jsonb_build_object(
            'items', coalesce(jsonb_agg(hs_meter_json(f.m)
                                        ORDER BY (f.m).number), '[]'::jsonb),
            'total', coalesce(max(f.total), 0),
            'limit', p_limit, 'offset', p_offset)
          FROM f);
END $$;

CREATE OR REPLACE FUNCTION hs_api_purchases(p_utility bigint, p_only bigint,
    p_meter bigint, p_customer bigint, p_state text, p_provider text,
    p_limit integer, p_offset integer)
RETURNS jsonb LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_custom_plan AS $$
BEGIN
    RETURN (
        WITH f AS (
            SELECT p, count(*) OVER () AS total
              FROM purchases p
             WHERE p.utility_id = p_utility
               AND (p_only IS NULL OR p.customer_id = p_only)
               AND (p_meter IS NULL OR p.meter_id = p_meter)
               AND (p_customer IS NULL OR p.customer_id = p_customer)
               AND (p_state IS NULL OR p.state = p_state)
               AND (p_provider IS NULL OR p.provider = p_provider)
             ORDER BY p.created_at DESC, p.id DESC
             LIMIT p_limit OFFSET p_offset)
        SELECT jsonb_build_object(
            'items', coalesce(jsonb_agg(hs_purchase_json(f.p)
                              ORDER BY (f.p).created_at DESC, (f.p).id DESC),
                              '[]'::jsonb),
            'total', coalesce(max(f.total), 0),
            'limit', p_limit, 'offset', p_offset)
          FROM f);
END $$;

CREATE OR REPLACE FUNCTION hs_api_tokens(p_utility bigint, p_only bigint,
    p_meter bigint, p_customer bigint, p_limit integer, p_offset integer)
RETURNS jsonb LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_custom_plan AS $$
BEGIN
    RETURN (
        WITH f AS (
            SELECT t, p, m, count(*) OVER () AS total
              FROM tokens t
              JOIN purchases p ON p.id = t.purchase_id
              JOIN meters m ON m.id = t.meter_id
             WHERE t.utility_id = p_utility
               AND (p_only IS NULL OR t.customer_id = p_only)
               AND (p_meter IS NULL OR t.meter_id = p_meter)
               AND (p_customer IS NULL OR t.customer_id = p_customer)
             ORDER BY t.created_at DESC, t.id DESC
             LIMIT p_limit OFFSET p_offset)
        SELECT jsonb_build_object(
            'items', coalesce(jsonb_agg(jsonb_build_object(
                'purchase_id', (f.p).id, 'order_id', (f.p).order_id,
                'meter_id', (f.m).id, 'meter_number', (f.m).number,
                'customer_id', (f.t).customer_id, 'token', (f.t).token,
                'key_change_tokens', (f.t).key_change,
                'units', (f.t).units, 'amount', (f.p).amount,
                'total', (f.p).total, 'provider', (f.p).provider,
                'issued_at', (f.t).created_at)
                ORDER BY (f.t).created_at DESC, (f.t).id DESC), '[]'::jsonb),
            'total', coalesce(max(f.total), 0),
            'limit', p_limit, 'offset', p_offset)
          FROM f);
END $$;

CREATE OR REPLACE FUNCTION hs_api_notifications(p_utility bigint, p_only bigint,
    p_customer bigint, p_state text, p_channel text, p_limit integer,
    p_offset integer)
RETURNS jsonb LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_custom_plan AS $$
BEGIN
    RETURN (
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
          FROM f);
END $$;

CREATE OR REPLACE FUNCTION hs_api_invoices(p_utility bigint, p_only bigint,
    p_customer bigint, p_period date, p_state text, p_limit integer,
    p_offset integer)
RETURNS jsonb LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_custom_plan AS $$
BEGIN
    RETURN (
        WITH f AS (
            SELECT i, count(*) OVER () AS total FROM invoices i
             WHERE i.utility_id = p_utility
               AND (p_only IS NULL OR i.customer_id = p_only)
               AND (p_customer IS NULL OR i.customer_id = p_customer)
               AND (p_period IS NULL OR i.period = p_period)
               AND (p_state IS NULL OR i.state = p_state)
             ORDER BY i.period DESC, i.id DESC
             LIMIT p_limit OFFSET p_offset)
        SELECT jsonb_build_object('items', coalesce(jsonb_agg(hs_invoice_json(f.i)
            ORDER BY (f.i).period DESC, (f.i).id DESC), '[]'::jsonb),
            'total', coalesce(max(f.total), 0), 'limit', p_limit,
            'offset', p_offset)
          FROM f);
END $$;

CREATE OR REPLACE FUNCTION hs_api_bill_payments(p_utility bigint, p_only bigint,
    p_customer bigint, p_limit integer, p_offset integer)
RETURNS jsonb LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_custom_plan AS $$
BEGIN
    RETURN (
        WITH f AS (
            SELECT b, count(*) OVER () AS total FROM bill_payments b
             WHERE b.utility_id = p_utility
               AND (p_only IS NULL OR b.customer_id = p_only)
               AND (p_customer IS NULL OR b.customer_id = p_customer)
             ORDER BY b.paid_at DESC, b.id DESC
             LIMIT p_limit OFFSET p_offset)
        SELECT jsonb_build_object('items', coalesce(jsonb_agg(
            hs_bill_payment_json(f.b) ORDER BY (f.b).paid_at DESC, (f.b).id DESC),
            '[]'::jsonb), 'total', coalesce(max(f.total), 0),
            'limit', p_limit, 'offset', p_offset)
          FROM f);
END $$;

CREATE OR REPLACE FUNCTION hs_chat_list(p_utility bigint, p_only_customer bigint,
    p_reader text, p_limit integer, p_offset integer)
RETURNS jsonb LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_custom_plan AS $$
BEGIN
    RETURN (
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
          FROM f);
END $$;
