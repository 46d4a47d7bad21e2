DROP TABLE audit_log;
DROP FUNCTION hs_audit(text, bigint, text, text, text, jsonb, jsonb);
DROP FUNCTION hs_audit_canonical(bigint, timestamptz, text, bigint, text,
    text, text, jsonb, jsonb);
DROP FUNCTION hs_audit_immutable();
DROP TABLE one_time_codes, login_failures, api_keys, sessions, users,
    meters, customers, tariff_versions, tariff_groups, customer_groups,
    service_types, utilities;
