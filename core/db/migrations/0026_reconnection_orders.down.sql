DROP TRIGGER meters_reconnected ON meters;
DROP FUNCTION hs_meter_reconnected();
DROP TRIGGER bill_payments_reversed ON bill_payments;
DROP FUNCTION hs_bill_reversed_reconnect();
DROP TRIGGER bill_payments_reconnect ON bill_payments;
DROP FUNCTION hs_bill_paid_reconnect();
DROP FUNCTION hs_overdue_owed(bigint);
DROP TABLE reconnection_orders;

-- The list as 0021 made it: blocked postpaid meters owing nothing past due.
CREATE OR REPLACE FUNCTION hs_api_reconnections(p_utility bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('items', coalesce(jsonb_agg(jsonb_build_object(
        'meter_id', m.id, 'meter', m.number, 'customer_no', c.number,
        'customer', c.name, 'address', m.install_address,
        'outstanding', (SELECT coalesce(sum(total - paid_amount), 0)::bigint
                          FROM invoices WHERE customer_id = c.id
                           AND state IN ('open', 'partial')))
        ORDER BY m.number), '[]'::jsonb))
      FROM meters m JOIN customers c ON c.id = m.customer_id
     WHERE m.utility_id = p_utility AND m.billing = 'postpaid'
       AND m.status = 'blocked'
       AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.customer_id = c.id
                         AND i.state IN ('open', 'partial')
                         AND i.due_date < current_date);
$$;
