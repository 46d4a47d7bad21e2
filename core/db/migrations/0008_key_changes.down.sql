DROP FUNCTION hs_key_change_record(text, bigint, integer, integer, integer,
    integer, integer, integer, boolean, text[]);
DROP TABLE key_change_orders;
