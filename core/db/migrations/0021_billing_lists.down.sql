DROP FUNCTION hs_api_reconnections(bigint);
DROP FUNCTION hs_api_disconnections(bigint, integer);
DROP FUNCTION hs_api_billing_report(bigint, date);
DROP FUNCTION hs_api_bill_payments(bigint, bigint, bigint, integer, integer);
DROP FUNCTION hs_bill_pay_staff(text, bigint, text, text, bigint);
