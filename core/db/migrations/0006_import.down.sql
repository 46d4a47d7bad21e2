DROP FUNCTION hs_export_audit(bigint);
DROP FUNCTION hs_export_meters(bigint, bigint, text, text, bigint);
DROP FUNCTION hs_export_customers(bigint, text, text);
DROP FUNCTION hs_export_filename(bigint, text);
DROP FUNCTION hs_csv_cell(text);
DROP FUNCTION hs_import_meters(text, bigint, boolean, integer, integer,
    integer[], text[], text[], integer[], text[], text[], text[], text[],
    integer[], integer[], integer[], integer[], integer[], text[], integer[],
    integer[], text[], text[], text[]);
DROP FUNCTION hs_import_customers(text, bigint, boolean, integer, integer,
    integer[], text[], text[], integer[], text[], text[], text[], text[],
    text[], text[], text[]);
DROP FUNCTION hs_import_report(text, boolean, integer, integer, integer,
    integer, jsonb);
