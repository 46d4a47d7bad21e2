-- Customer information system: utilities, customers, meters, tariffs,
-- users, sessions, API keys and the hash-chained audit log.
--
-- Every business row carries utility_id: a deployment may serve several
-- utilities (a PDAM and an apartment building) and every query is scoped
-- by it, so one utility's staff and customers never see another's data.

CREATE TABLE utilities (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9-]{2,32}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 2 AND 200),
    kind        text NOT NULL CHECK (kind IN ('pdam', 'apartment')),
    -- WIB, WITA or WIT: how dates are shown to this utility's people.
    timezone    text NOT NULL DEFAULT 'Asia/Jakarta'
                CHECK (timezone IN ('Asia/Jakarta', 'Asia/Makassar',
                                    'Asia/Jayapura')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE service_types (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    unit        text NOT NULL,      -- what a token's 0.1 counts: m3, kWh
    base_unit   text NOT NULL       -- what the system stores: litre, Wh
);
INSERT INTO service_types VALUES
    ('water', 'Air', 'm3', 'litre'),
    ('electricity', 'Listrik', 'kWh', 'Wh');

CREATE TABLE customer_groups (
    id          bigserial PRIMARY KEY,
    utility_id  bigint NOT NULL REFERENCES utilities,
    code        text NOT NULL CHECK (code ~ '^[A-Za-z0-9._-]{1,32}$'),
    name        text NOT NULL,
    UNIQUE (utility_id, code)
);

CREATE TABLE tariff_groups (
    id            bigserial PRIMARY KEY,
    utility_id    bigint NOT NULL REFERENCES utilities,
    code          text NOT NULL CHECK (code ~ '^[A-Za-z0-9._-]{1,32}$'),
    name          text NOT NULL,
    service_type  text NOT NULL REFERENCES service_types,
    UNIQUE (utility_id, code)
);

-- A tariff changes on a date; old bills keep the version they used.
-- blocks: [{"upto": litres or Wh or null for the rest, "price": rupiah per
-- m3 or kWh}], ascending.  Rates in basis points (1/100 of a percent).
CREATE TABLE tariff_versions (
    id              bigserial PRIMARY KEY,
    tariff_group_id bigint NOT NULL REFERENCES tariff_groups,
    valid_from      date NOT NULL,
    blocks          jsonb NOT NULL CHECK (jsonb_typeof(blocks) = 'array'
                                          AND jsonb_array_length(blocks) > 0),
    fixed_monthly   bigint NOT NULL DEFAULT 0 CHECK (fixed_monthly >= 0),
    minimum_charge  bigint NOT NULL DEFAULT 0 CHECK (minimum_charge >= 0),
    admin_fee       bigint NOT NULL DEFAULT 0 CHECK (admin_fee >= 0),
    tax_bp          integer NOT NULL DEFAULT 0 CHECK (tax_bp BETWEEN 0 AND 10000),
    late_penalty_bp integer NOT NULL DEFAULT 0
                    CHECK (late_penalty_bp BETWEEN 0 AND 10000),
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tariff_group_id, valid_from)
);

CREATE TABLE customers (
    id          bigserial PRIMARY KEY,
    utility_id  bigint NOT NULL REFERENCES utilities,
    number      text NOT NULL CHECK (number ~ '^[0-9A-Za-z-]{3,32}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    address     text NOT NULL DEFAULT '',
    phone       text CHECK (phone ~ '^\+?[0-9]{8,15}$'),
    email       text CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
    group_id    bigint REFERENCES customer_groups,
    status      text NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'inactive')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (utility_id, number)
);
CREATE INDEX customers_search ON customers
    USING btree (utility_id, lower(name) text_pattern_ops);

-- meter number: the DRN printed on the meter (11 or 13 digits, Luhn);
-- pan: IIN + DRN + check digit, the input to decoder key generation.
CREATE TABLE meters (
    id              bigserial PRIMARY KEY,
    utility_id      bigint NOT NULL REFERENCES utilities,
    customer_id     bigint REFERENCES customers,
    number          text NOT NULL CHECK (number ~ '^[0-9]{11}([0-9]{2})?$'),
    pan             text NOT NULL CHECK (pan ~ '^[0-9]{18}$'),
    service_type    text NOT NULL REFERENCES service_types,
    tariff_group_id bigint REFERENCES tariff_groups,
    sgc             integer NOT NULL CHECK (sgc BETWEEN 0 AND 999999),
    tariff_index    smallint NOT NULL DEFAULT 1 CHECK (tariff_index BETWEEN 0 AND 99),
    key_revision    smallint NOT NULL DEFAULT 1 CHECK (key_revision BETWEEN 1 AND 9),
    key_type        smallint NOT NULL DEFAULT 2 CHECK (key_type BETWEEN 0 AND 3),
    key_expiry      smallint NOT NULL DEFAULT 255 CHECK (key_expiry BETWEEN 0 AND 255),
    algorithm       text NOT NULL DEFAULT 'EA11' CHECK (algorithm IN ('EA07', 'EA11')),
    dkga            smallint NOT NULL DEFAULT 4 CHECK (dkga IN (2, 4)),
    base_date       smallint NOT NULL DEFAULT 2014
                    CHECK (base_date IN (1993, 2014, 2035)),
    install_address text NOT NULL DEFAULT '',
    status          text NOT NULL DEFAULT 'active'
                    CHECK (status IN ('active', 'blocked', 'removed')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (utility_id, number)
);
CREATE INDEX meters_customer ON meters (customer_id);

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    utility_id    bigint NOT NULL REFERENCES utilities,
    email         text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
    name          text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'operator', 'cashier',
                                                'technician', 'customer')),
    customer_id   bigint REFERENCES customers,
    password_hash text NOT NULL,
    status        text NOT NULL DEFAULT 'active'
                  CHECK (status IN ('active', 'disabled')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'customer') = (customer_id IS NOT NULL))
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

-- Only a hash of the session token is stored: a database leak does not
-- hand out live sessions.
CREATE TABLE sessions (
    token_hash  text PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    csrf_token  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    idle_until  timestamptz NOT NULL,
    address     text
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_keys (
    id           bigserial PRIMARY KEY,
    utility_id   bigint NOT NULL REFERENCES utilities,
    name         text NOT NULL,
    prefix       text NOT NULL UNIQUE,          -- shown; identifies the key
    key_hash     text NOT NULL,                 -- SHA-256 of the secret
    permissions  text[] NOT NULL DEFAULT '{}',
    created_by   bigint REFERENCES users,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    last_used_at timestamptz
);

-- Login throttling: failures per account and per address in a window.
CREATE TABLE login_failures (
    key         text PRIMARY KEY,              -- 'user:<email>' or 'addr:<ip>'
    failures    integer NOT NULL,
    window_from timestamptz NOT NULL
);

-- One-time codes for self-service sign-up and password reset.
CREATE TABLE one_time_codes (
    id          bigserial PRIMARY KEY,
    purpose     text NOT NULL CHECK (purpose IN ('signup', 'reset')),
    utility_id  bigint NOT NULL REFERENCES utilities,
    subject     text NOT NULL,                 -- customer number or email
    code_hash   text NOT NULL,
    attempts    integer NOT NULL DEFAULT 0,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX one_time_codes_subject ON one_time_codes (purpose, utility_id, subject);

-- The audit log.  Append-only: each row's hash covers the previous row's
-- hash and a canonical text of the row, so changing, removing or
-- reordering a row breaks the chain from there on; `hydrosync audit
-- verify` recomputes it independently and names the first broken row.
CREATE TABLE audit_log (
    seq          bigint PRIMARY KEY,
    ts           timestamptz NOT NULL,
    actor        text NOT NULL,
    utility_id   bigint,
    action       text NOT NULL,
    object_type  text NOT NULL,
    object_id    text NOT NULL,
    before       jsonb,
    after        jsonb,
    prev_hash    text NOT NULL,
    hash         text NOT NULL
);

CREATE FUNCTION hs_audit_canonical(p_seq bigint, p_ts timestamptz,
    p_actor text, p_utility bigint, p_action text, p_type text, p_id text,
    p_before jsonb, p_after jsonb)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT p_seq::text || '|' ||
           (extract(epoch FROM p_ts) * 1000000)::bigint::text || '|' ||
           p_actor || '|' || coalesce(p_utility::text, '') || '|' ||
           p_action || '|' || p_type || '|' || p_id || '|' ||
           coalesce(p_before::text, 'null') || '|' ||
           coalesce(p_after::text, 'null');
$$;

-- Append one row; serialised by a transaction-scoped advisory lock so the
-- chain never forks, in the caller's transaction so the change and its
-- audit row commit together.
CREATE FUNCTION hs_audit(p_actor text, p_utility bigint, p_action text,
    p_type text, p_id text, p_before jsonb, p_after jsonb)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_seq  bigint;
    v_prev text;
    v_ts   timestamptz := date_trunc('milliseconds', clock_timestamp());
BEGIN
    PERFORM pg_advisory_xact_lock(7308219844);
    SELECT seq, hash INTO v_seq, v_prev FROM audit_log
     ORDER BY seq DESC LIMIT 1;
    v_seq := coalesce(v_seq, 0) + 1;
    v_prev := coalesce(v_prev, repeat('0', 64));
    INSERT INTO audit_log VALUES (v_seq, v_ts, p_actor, p_utility, p_action,
        p_type, p_id, p_before, p_after, v_prev,
        encode(sha256(convert_to(v_prev || '|' || hs_audit_canonical(v_seq,
            v_ts, p_actor, p_utility, p_action, p_type, p_id, p_before,
            p_after), 'UTF8')), 'hex'));
    RETURN v_seq;
END $$;

CREATE FUNCTION hs_audit_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION hs_audit_immutable();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION hs_audit_immutable();
