DROP FUNCTION hs_reading_photo(bigint, bigint, bytea, text);
DROP FUNCTION hs_api_billing_runs(bigint, integer, integer);
DROP FUNCTION hs_api_invoice(bigint, bigint, bigint);
DROP FUNCTION hs_api_invoices(bigint, bigint, bigint, date, text, integer, integer);
DROP FUNCTION hs_invoice_json(invoices);
DROP FUNCTION hs_billing_run(text, bigint, date, boolean, integer);
DROP FUNCTION hs_api_readings(bigint, text, bigint, date, integer, integer);
DROP FUNCTION hs_reading_review(text, bigint, bigint, text, bigint, text);
DROP FUNCTION hs_reading_submit(text, bigint, bigint, date, bigint, text,
    timestamptz, text, text, bytea, text);
DROP FUNCTION hs_reading_json(readings);
DROP FUNCTION hs_reading_context(bigint, date);
DROP FUNCTION hs_bill_charges(bigint[], bigint[], bigint, bigint, bigint,
    bigint, integer);
DROP TYPE hs_charges;
DROP FUNCTION hs_blocks_price(jsonb);
DROP FUNCTION hs_blocks_upto(jsonb);
DROP TABLE invoices;
DROP TABLE billing_runs;
DROP TABLE readings;
DROP INDEX meters_postpaid;
ALTER TABLE meters DROP COLUMN billing;
