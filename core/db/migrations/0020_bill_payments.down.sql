DROP FUNCTION hs_bill_payment_status(text, text, text);
DROP FUNCTION hs_bill_reverse(text, text, text);
DROP FUNCTION hs_bill_pay(text, text, text, text, text, bigint, boolean);
DROP FUNCTION hs_bill_payment_json(bill_payments);
DROP FUNCTION hs_bill_inquiry(text, text);
DROP TABLE bill_reversals_unmatched;
DROP TABLE bill_payments;
