-- Bulk import of customers and meters from CSV, and CSV exports.
--
-- An import is ONE call: the server (or `hydrosync import`) has parsed
-- the file and checked every field in C; it passes the clean rows as one
-- array per column, their row numbers in the file, and the errors it
-- found.  The function adds the checks that need the whole set or the
-- database (numbers repeated in the file or already taken, unknown
-- groups, tariffs and customers), and inserts every row, with a single
-- audit row for the import, only when there is no error at all and it is
-- not a dry run: all or nothing.
--
-- ok: nothing is wrong; report: the JSON the API answers with; summary:
-- the same as text lines for the command line.

-- The report: counts, and the first 1000 errors by row (the total is
-- exact).  p_errors holds every error found, in C and here.
CREATE FUNCTION hs_import_report(p_kind text, p_dry_run boolean,
    p_rows integer, p_clean integer, p_imported integer, p_total integer,
    p_errors jsonb, OUT ok boolean, OUT report jsonb, OUT summary text)
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_total = 0,
        CASE WHEN p_total = 0 THEN
            jsonb_build_object('ok', true, 'dry_run', p_dry_run,
                'rows', p_rows, 'valid', p_clean, 'imported', p_imported)
        ELSE
            jsonb_build_object('error', jsonb_build_object(
                    'code', 'invalid_rows',
                    'message', format('%s error%s in the file; nothing was '
                        'imported', p_total,
                        CASE WHEN p_total = 1 THEN '' ELSE 's' END),
                    'field', NULL),
                'ok', false, 'dry_run', p_dry_run, 'rows', p_rows,
                'valid', p_clean, 'imported', 0, 'error_count', p_total,
                'errors', p_errors,
                'errors_truncated', jsonb_array_length(p_errors) < p_total)
        END,
        CASE WHEN p_total = 0 AND p_dry_run THEN
            format('dry run: %s %s rows valid, nothing written', p_clean,
                   p_kind)
        WHEN p_total = 0 THEN
            format('imported %s %ss', p_imported, p_kind)
        ELSE
            coalesce((SELECT string_agg(format('row %s%s: %s', e->>'row',
                        coalesce(', column ' || (e->>'column'), ''),
                        e->>'message'), E'\n')
               FROM jsonb_array_elements(p_errors) e) || E'\n', '') ||
            format('%s error%s%s; nothing was imported', p_total,
                   CASE WHEN p_total = 1 THEN '' ELSE 's' END,
                   CASE WHEN jsonb_array_length(p_errors) < p_total
                        THEN format(' (the first %s listed)',
                                    jsonb_array_length(p_errors))
                        ELSE '' END)
        END;
$$;

CREATE FUNCTION hs_import_customers(p_actor text, p_utility bigint,
    p_dry_run boolean, p_rows integer, p_file_errors integer,
    p_err_row integer[], p_err_column text[], p_err_message text[],
    p_row integer[], p_number text[], p_name text[], p_address text[],
    p_phone text[], p_email text[], p_group text[], p_status text[],
    OUT ok boolean, OUT report jsonb, OUT summary text)
LANGUAGE plpgsql AS $$
DECLARE
    v_found   integer;   -- errors found here
    v_errors  jsonb;
    v_total   integer;
    v_done    integer := 0;
    v_clean   integer := coalesce(cardinality(p_row), 0);
BEGIN
    WITH f AS (
        SELECT * FROM unnest(p_row, p_number, p_email, p_group)
                      AS f (row, number, email, grp)),
    e AS (
        SELECT d.row, 'number' AS col,
               format('%s is also in row %s', d.number, d.first) AS msg,
               false AS from_file
          FROM (SELECT f.row, f.number,
                       min(f.row) OVER (PARTITION BY f.number) AS first
                  FROM f) d
         WHERE d.row > d.first
        UNION ALL
        SELECT f.row, 'number', format('customer %s already exists',
                                       f.number), false
          FROM f JOIN customers c
            ON c.utility_id = p_utility AND c.number = f.number
        UNION ALL
        SELECT f.row, 'group', format('no customer group %s', f.grp), false
          FROM f
         WHERE f.grp IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM customer_groups g
                WHERE g.utility_id = p_utility AND g.code = f.grp)
        UNION ALL
        -- The table's own rule, in case C and the database disagree.
        SELECT f.row, 'email', 'must be an email address', false
          FROM f WHERE f.email !~ '^[^@\s]+@[^@\s]+$'
        UNION ALL
        SELECT r, c, m, true
          FROM unnest(p_err_row, p_err_column, p_err_message) AS x (r, c, m))
    SELECT (SELECT count(*) FROM e WHERE NOT e.from_file),
           (SELECT coalesce(jsonb_agg(jsonb_build_object('row', l.row,
                        'column', l.col, 'message', l.msg)
                        ORDER BY l.row, l.col), '[]')
              FROM (SELECT * FROM e ORDER BY e.row, e.col LIMIT 1000) l)
      INTO v_found, v_errors;
    v_total := v_found + p_file_errors;

    IF v_total = 0 AND NOT p_dry_run THEN
        INSERT INTO customers (utility_id, number, name, address, phone,
                               email, group_id, status)
        SELECT p_utility, f.number, f.name, coalesce(f.address, ''), f.phone,
               f.email, g.id, coalesce(f.status, 'active')
          FROM unnest(p_row, p_number, p_name, p_address, p_phone, p_email,
                      p_group, p_status)
               AS f (row, number, name, address, phone, email, grp, status)
          LEFT JOIN customer_groups g
            ON g.utility_id = p_utility AND g.code = f.grp
         ORDER BY f.row;
        GET DIAGNOSTICS v_done = ROW_COUNT;
        PERFORM hs_audit(p_actor, p_utility, 'import', 'customer',
            v_done::text, NULL, jsonb_build_object('rows', v_done,
                'first', (SELECT min(n) FROM unnest(p_number) n),
                'last', (SELECT max(n) FROM unnest(p_number) n)));
    END IF;
    SELECT * INTO ok, report, summary
      FROM hs_import_report('customer', p_dry_run, p_rows, v_clean, v_done,
                            v_total, v_errors);
END $$;

CREATE FUNCTION hs_import_meters(p_actor text, p_utility bigint,
    p_dry_run boolean, p_rows integer, p_file_errors integer,
    p_err_row integer[], p_err_column text[], p_err_message text[],
    p_row integer[], p_number text[], p_customer text[],
    p_service_type text[], p_tariff text[], p_sgc integer[],
    p_tariff_index integer[], p_key_revision integer[],
    p_key_type integer[], p_key_expiry integer[], p_algorithm text[],
    p_dkga integer[], p_base_date integer[], p_install_address text[],
    p_status text[], p_pan text[],
    OUT ok boolean, OUT report jsonb, OUT summary text)
LANGUAGE plpgsql AS $$
DECLARE
    v_found   integer;
    v_errors  jsonb;
    v_total   integer;
    v_done    integer := 0;
    v_clean   integer := coalesce(cardinality(p_row), 0);
BEGIN
    WITH f AS (
        SELECT * FROM unnest(p_row, p_number, p_customer, p_service_type,
                             p_tariff)
                      AS f (row, number, customer, service, tariff)),
    e AS (
        SELECT d.row, 'number' AS col,
               format('%s is also in row %s', d.number, d.first) AS msg,
               false AS from_file
          FROM (SELECT f.row, f.number,
                       min(f.row) OVER (PARTITION BY f.number) AS first
                  FROM f) d
         WHERE d.row > d.first
        UNION ALL
        SELECT f.row, 'number', format('meter %s already exists', f.number),
               false
          FROM f JOIN meters m
            ON m.utility_id = p_utility AND m.number = f.number
        UNION ALL
        SELECT f.row, 'customer_number', format('no customer %s', f.customer),
               false
          FROM f
         WHERE f.customer IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM customers c
                WHERE c.utility_id = p_utility AND c.number = f.customer)
        UNION ALL
        SELECT f.row, 'tariff', format('no %s tariff group %s', f.service,
                                       f.tariff), false
          FROM f
         WHERE f.tariff IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM tariff_groups t
                WHERE t.utility_id = p_utility AND t.code = f.tariff
                  AND t.service_type = f.service)
        UNION ALL
        SELECT r, c, m, true
          FROM unnest(p_err_row, p_err_column, p_err_message) AS x (r, c, m))
    SELECT (SELECT count(*) FROM e WHERE NOT e.from_file),
           (SELECT coalesce(jsonb_agg(jsonb_build_object('row', l.row,
                        'column', l.col, 'message', l.msg)
                        ORDER BY l.row, l.col), '[]')
              FROM (SELECT * FROM e ORDER BY e.row, e.col LIMIT 1000) l)
      INTO v_found, v_errors;
    v_total := v_found + p_file_errors;

    IF v_total = 0 AND NOT p_dry_run THEN
        INSERT INTO meters (utility_id, customer_id, number, pan,
            service_type, tariff_group_id, sgc, tariff_index, key_revision,
            key_type, key_expiry, algorithm, dkga, base_date,
            install_address, status)
        SELECT p_utility, c.id, f.number, f.pan, f.service, t.id, f.sgc,
               coalesce(f.tariff_index, 1), coalesce(f.key_revision, 1),
               coalesce(f.key_type, 2), coalesce(f.key_expiry, 255),
               coalesce(f.algorithm, 'EA11'), coalesce(f.dkga, 4),
               coalesce(f.base_date, 2014), coalesce(f.install_address, ''),
               coalesce(f.status, 'active')
          FROM unnest(p_row, p_number, p_customer, p_service_type, p_tariff,
                      p_sgc, p_tariff_index, p_key_revision, p_key_type,
                      p_key_expiry, p_algorithm, p_dkga, p_base_date,
                      p_install_address, p_status, p_pan)
               AS f (row, number, customer, service, tariff, sgc,
                     tariff_index, key_revision, key_type, key_expiry,
                     algorithm, dkga, base_date, install_address, status,
                     pan)
          LEFT JOIN customers c
            ON c.utility_id = p_utility AND c.number = f.customer
          LEFT JOIN tariff_groups t
            ON t.utility_id = p_utility AND t.code = f.tariff
           AND t.service_type = f.service
         ORDER BY f.row;
        GET DIAGNOSTICS v_done = ROW_COUNT;
        PERFORM hs_audit(p_actor, p_utility, 'import', 'meter',
            v_done::text, NULL, jsonb_build_object('rows', v_done,
                'first', (SELECT min(n) FROM unnest(p_number) n),
                'last', (SELECT max(n) FROM unnest(p_number) n)));
    END IF;
    SELECT * INTO ok, report, summary
      FROM hs_import_report('meter', p_dry_run, p_rows, v_clean, v_done,
                            v_total, v_errors);
END $$;

-- ------------------------------------------------------------- exports
-- One CSV cell (RFC 4180): quoted when it holds a quote, comma or line
-- end.  A cell that a spreadsheet would run as a formula (= + - @, tab,
-- CR first) gets a leading single quote; the import takes it off again.
CREATE FUNCTION hs_csv_cell(p text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    -- One expression, so the planner inlines it into the exports.
    SELECT CASE
        WHEN p IS NULL THEN ''
        WHEN strpos(p, '"') + strpos(p, ',') + strpos(p, E'\n') +
             strpos(p, E'\r') > 0 THEN
            '"' || CASE WHEN left(p, 1) IN ('=', '+', '-', '@', E'\t', E'\r')
                        THEN '''' ELSE '' END ||
            replace(p, '"', '""') || '"'
        WHEN left(p, 1) IN ('=', '+', '-', '@', E'\t') THEN '''' || p
        ELSE p END;
$$;

-- "pdam-tirta-customers-20260314.csv": the utility, what, its local date.
CREATE FUNCTION hs_export_filename(p_utility bigint, p_what text)
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT u.code || '-' || p_what || '-' ||
           to_char(now() AT TIME ZONE u.timezone, 'YYYYMMDD') || '.csv'
      FROM utilities u WHERE u.id = p_utility;
$$;

-- The same filters as hs_api_customers; the columns the import reads.
CREATE FUNCTION hs_export_customers(p_utility bigint, p_q text,
    p_status text, OUT filename text, OUT body text)
LANGUAGE sql STABLE AS $$
    SELECT hs_export_filename(p_utility, 'customers'),
           E'number,name,address,phone,email,group,status\r\n' ||
           coalesce(string_agg(hs_csv_cell(c.number) || ',' ||
               hs_csv_cell(c.name) || ',' || hs_csv_cell(c.address) || ',' ||
               hs_csv_cell(c.phone) || ',' || hs_csv_cell(c.email) || ',' ||
               hs_csv_cell(g.code) || ',' || hs_csv_cell(c.status) ||
               E'\r\n', '' ORDER BY c.number), '')
      FROM customers c
      LEFT JOIN customer_groups g ON g.id = c.group_id
     WHERE c.utility_id = p_utility
       AND (p_status IS NULL OR c.status = p_status)
       AND (p_q IS NULL
            OR c.number LIKE hs_like_escape(p_q) || '%'
            OR lower(c.name) LIKE '%' || lower(hs_like_escape(p_q)) || '%'
            OR c.phone LIKE '%' || hs_like_escape(p_q) || '%');
$$;

-- The same filters as hs_api_meters (p_only: a customer's own meters).
CREATE FUNCTION hs_export_meters(p_utility bigint, p_only bigint,
    p_q text, p_status text, p_customer bigint, OUT filename text,
    OUT body text)
LANGUAGE sql STABLE AS $$
    SELECT hs_export_filename(p_utility, 'meters'),
           'number,customer_number,service_type,tariff,sgc,tariff_index,'
           'key_revision,key_type,key_expiry,algorithm,dkga,base_date,'
           'install_address,status' || E'\r\n' ||
           coalesce(string_agg(hs_csv_cell(m.number) || ',' ||
               hs_csv_cell(c.number) || ',' || hs_csv_cell(m.service_type) ||
               ',' || hs_csv_cell(t.code) || ',' || m.sgc || ',' ||
               m.tariff_index || ',' || m.key_revision || ',' ||
               m.key_type || ',' || m.key_expiry || ',' ||
               hs_csv_cell(m.algorithm) || ',' || m.dkga || ',' ||
               m.base_date || ',' || hs_csv_cell(m.install_address) || ',' ||
               hs_csv_cell(m.status) || E'\r\n', '' ORDER BY m.number), '')
      FROM meters m
      LEFT JOIN customers c ON c.id = m.customer_id
      LEFT JOIN tariff_groups t ON t.id = m.tariff_group_id
     WHERE m.utility_id = p_utility
       AND (p_only IS NULL OR m.customer_id = p_only)
       AND (p_customer IS NULL OR m.customer_id = p_customer)
       AND (p_status IS NULL OR m.status = p_status)
       AND (p_q IS NULL OR m.number LIKE hs_like_escape(p_q) || '%'
            OR m.install_address ILIKE '%' || hs_like_escape(p_q) || '%');
$$;

CREATE FUNCTION hs_export_audit(p_utility bigint, OUT filename text,
    OUT body text)
LANGUAGE sql STABLE AS $$
    SELECT hs_export_filename(p_utility, 'audit'),
           E'seq,ts,actor,action,object_type,object_id,before,after,hash\r\n'
           || coalesce(string_agg(a.seq || ',' ||
               to_char(a.ts AT TIME ZONE 'UTC',
                       'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || ',' ||
               hs_csv_cell(a.actor) || ',' || hs_csv_cell(a.action) || ',' ||
               hs_csv_cell(a.object_type) || ',' ||
               hs_csv_cell(a.object_id) || ',' ||
               hs_csv_cell(a.before::text) || ',' ||
               hs_csv_cell(a.after::text) || ',' || a.hash || E'\r\n', ''
               ORDER BY a.seq), '')
      FROM audit_log a
     WHERE a.utility_id = p_utility;
$$;
