-- What the web pages need beyond the resource APIs.

-- A signed-in user with their utility's name and time zone: the pages
-- show dates in WIB, WITA or WIT as the utility keeps them.
CREATE OR REPLACE FUNCTION hs_user_json(u users) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', u.id, 'utility_id', u.utility_id,
        'email', u.email, 'name', u.name, 'role', u.role,
        'customer_id', u.customer_id, 'status', u.status,
        'utility_name', t.name, 'utility_code', t.code,
        'timezone', t.timezone)
      FROM (SELECT 1) one LEFT JOIN utilities t ON t.id = u.utility_id;
$$;

-- The staff dashboard: money and tokens today (in the utility's zone) and
-- over the last 7 days, purchases waiting, meters low on credit, failed
-- deliveries and open chats.  One round trip.
CREATE FUNCTION hs_api_dashboard(p_utility bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    WITH u AS (SELECT * FROM utilities WHERE id = p_utility),
    day AS (SELECT (date_trunc('day', now() AT TIME ZONE u.timezone)
                    AT TIME ZONE u.timezone) AS start FROM u),
    paid AS (
        SELECT p.paid_amount, p.paid_at, p.state
          FROM purchases p
         WHERE p.utility_id = p_utility
           AND p.created_at > now() - interval '38 days'
           AND p.paid_at > now() - interval '7 days')
    SELECT jsonb_build_object(
        'timezone', (SELECT timezone FROM u),
        'revenue_today', (SELECT coalesce(sum(paid_amount), 0) FROM paid
                           WHERE paid_at >= (SELECT start FROM day)),
        'revenue_7d', (SELECT coalesce(sum(paid_amount), 0) FROM paid),
        'vends_today', (SELECT count(*) FROM tokens t
                         WHERE t.utility_id = p_utility
                           AND t.created_at >= (SELECT start FROM day)),
        'vends_7d', (SELECT count(*) FROM tokens t
                      WHERE t.utility_id = p_utility
                        AND t.created_at > now() - interval '7 days'),
        'waiting', (SELECT count(*) FROM purchases p
                     WHERE p.utility_id = p_utility
                       AND p.created_at > now() - interval '7 days'
                       AND p.state IN ('paid', 'review', 'refund_due')),
        'daily', coalesce((SELECT jsonb_agg(jsonb_build_object('day', d,
                     'revenue', coalesce(r.revenue, 0)) ORDER BY d)
                   FROM generate_series((SELECT start FROM day)
                            - interval '6 days', (SELECT start FROM day),
                            interval '1 day') d
                   LEFT JOIN (SELECT date_trunc('day', paid_at AT TIME ZONE
                                  (SELECT timezone FROM u)) AT TIME ZONE
                                  (SELECT timezone FROM u) AS d,
                                  sum(paid_amount) AS revenue
                                FROM paid GROUP BY 1) r USING (d)),
                   '[]'::jsonb),
        'low_credit', coalesce((SELECT jsonb_agg(jsonb_build_object(
                          'meter_id', m.id, 'number', m.number,
                          'credit', s.credit, 'days_left', s.days_left,
                          'reported_at', s.reported_at)
                          ORDER BY s.days_left NULLS LAST, s.credit)
                        FROM meter_state s JOIN meters m ON m.id = s.meter_id
                       WHERE m.utility_id = p_utility AND m.status = 'active'
                         AND (s.days_left < 3 OR s.credit <= 0)),
                        '[]'::jsonb),
        'failed_deliveries', (SELECT count(*) FROM outbox o
                               WHERE o.utility_id = p_utility
                                 AND o.state IN ('failed', 'unknown')
                                 AND o.created_at > now() - interval '7 days'),
        'open_chats', (SELECT count(*) FROM chat_conversations c
                        WHERE c.utility_id = p_utility
                          AND c.state = 'open'));
$$;

-- The audit chain checked by the server for the console's button: every
-- row in sequence, each prev_hash the hash before it, each hash over its
-- own canonical content (as hs_audit made it).  `hydrosync audit verify`
-- does the same from outside the database, in C.
CREATE FUNCTION hs_api_audit_verify() RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r audit_log;
    v_prev text := repeat('0', 64);
    v_n bigint := 0;
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY seq LOOP
        v_n := v_n + 1;
        IF r.seq <> v_n THEN
            RETURN jsonb_build_object('intact', false, 'row', v_n,
                'reason', 'row ' || v_n || ' is missing');
        END IF;
        IF r.prev_hash <> v_prev THEN
            RETURN jsonb_build_object('intact', false, 'row', v_n,
                'reason', 'its prev_hash is not the hash of row ' ||
                (v_n - 1));
        END IF;
        IF r.hash <> encode(sha256(convert_to(v_prev || '|' ||
            hs_audit_canonical(r.seq, r.ts, r.actor, r.utility_id, r.action,
            r.object_type, r.object_id, r.before, r.after), 'UTF8')), 'hex')
        THEN
            RETURN jsonb_build_object('intact', false, 'row', v_n,
                'reason', 'its content does not match its hash');
        END IF;
        v_prev := r.hash;
    END LOOP;
    RETURN jsonb_build_object('intact', true, 'rows', v_n, 'head', v_prev);
END $$;
