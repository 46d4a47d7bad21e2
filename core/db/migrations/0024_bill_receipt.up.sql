-- One bill payment with what the receipt prints: the customer, the
-- utility and each invoice it paid.
CREATE FUNCTION hs_api_bill_payment(p_utility bigint, p_id bigint,
                                    p_only bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT hs_bill_payment_json(b) || jsonb_build_object(
        'channel', b.channel,
        'customer', (SELECT jsonb_build_object('number', c.number,
                       'name', c.name, 'address', c.address)
                       FROM customers c WHERE c.id = b.customer_id),
        'utility', (SELECT jsonb_build_object('name', u.name,
                      'timezone', u.timezone)
                      FROM utilities u WHERE u.id = b.utility_id))
      FROM bill_payments b
     WHERE b.id = p_id AND b.utility_id = p_utility
       AND (p_only IS NULL OR b.customer_id = p_only);
$$;
