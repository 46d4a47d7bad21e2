DROP FUNCTION hs_api_bill_payment(bigint, bigint, bigint);
