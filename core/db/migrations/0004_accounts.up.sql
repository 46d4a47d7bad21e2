-- Self-service accounts: sign-up linked to an existing customer number,
-- and password reset, both by a one-time code sent through the
-- notification system (a 'notify.otp' job; the code is stored hashed).
--
-- Codes: 6 digits, valid 10 minutes, 5 wrong tries at most, 3 requests per
-- subject per 15 minutes.  Answers never say whether an account or a
-- customer exists, so the endpoints cannot be used to enumerate them.

-- Start a sign-up; returns nothing either way.
CREATE FUNCTION hs_signup_start(p_utility_code text, p_number text,
                                p_code text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_utility bigint;
    v_customer customers;
BEGIN
    SELECT id INTO v_utility FROM utilities WHERE code = p_utility_code;
    IF v_utility IS NULL THEN
        RETURN;
    END IF;
    SELECT * INTO v_customer FROM customers
     WHERE utility_id = v_utility AND number = p_number AND status = 'active';
    IF NOT FOUND OR (v_customer.phone IS NULL AND v_customer.email IS NULL)
       OR EXISTS (SELECT 1 FROM users WHERE customer_id = v_customer.id) THEN
        RETURN;
    END IF;
    IF (SELECT count(*) FROM one_time_codes WHERE purpose = 'signup'
          AND utility_id = v_utility AND subject = p_number
          AND created_at > now() - interval '15 minutes') >= 3 THEN
        RETURN;
    END IF;
    INSERT INTO one_time_codes (purpose, utility_id, subject, code_hash,
                                expires_at)
    VALUES ('signup', v_utility, p_number, encode(sha256(convert_to(
            'signup:' || v_utility || ':' || p_number || ':' || p_code,
            'UTF8')), 'hex'), now() + interval '10 minutes');
    PERFORM hs_job_enqueue('notify.otp', jsonb_build_object(
        'utility_id', v_utility, 'customer_id', v_customer.id,
        'channel', CASE WHEN v_customer.phone IS NOT NULL THEN 'sms'
                        ELSE 'email' END,
        'to', coalesce(v_customer.phone, v_customer.email),
        'purpose', 'signup', 'code', p_code,
        'text', 'Kode pendaftaran HydroSync Anda: ' || p_code ||
                ' (berlaku 10 menit). Jangan berikan kepada siapa pun.'),
        NULL, 'core');
END $$;

-- Check a code: the newest live one for the subject.  Every wrong try
-- counts; the fifth kills the code.  Returns the code's id or NULL.
CREATE FUNCTION hs_otp_check(p_purpose text, p_utility bigint,
                             p_subject text, p_code text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v one_time_codes;
BEGIN
    SELECT * INTO v FROM one_time_codes
     WHERE purpose = p_purpose AND utility_id = p_utility
       AND subject = p_subject AND used_at IS NULL
       AND expires_at > now() AND attempts < 5
     ORDER BY created_at DESC LIMIT 1 FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF v.code_hash <> encode(sha256(convert_to(p_purpose || ':' ||
            p_utility || ':' || p_subject || ':' || p_code, 'UTF8')), 'hex')
    THEN
        UPDATE one_time_codes SET attempts = attempts + 1 WHERE id = v.id;
        RETURN NULL;
    END IF;
    UPDATE one_time_codes SET used_at = now() WHERE id = v.id;
    RETURN v.id;
END $$;

-- Finish a sign-up: a customer account for the customer number.
-- Raises HS401 for a wrong or expired code (the attempt still counts).
CREATE FUNCTION hs_signup_finish(p_utility_code text, p_number text,
                                 p_code text, p_email text, p_hash text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    v_utility bigint;
    v_customer bigint;
    v_user users;
BEGIN
    SELECT id INTO v_utility FROM utilities WHERE code = p_utility_code;
    IF v_utility IS NULL OR hs_otp_check('signup', v_utility, p_number,
                                         p_code) IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT id INTO v_customer FROM customers
     WHERE utility_id = v_utility AND number = p_number;
    INSERT INTO users (utility_id, email, name, role, customer_id,
                       password_hash)
    SELECT v_utility, p_email, c.name, 'customer', c.id, p_hash
      FROM customers c WHERE c.id = v_customer
    RETURNING * INTO v_user;
    PERFORM hs_audit('user:' || v_user.id, v_utility, 'signup', 'user',
                     v_user.id::text, NULL, hs_user_json(v_user));
    RETURN hs_user_json(v_user);
END $$;

-- Start a password reset: a code to the account's phone (customers) or
-- email (staff).
CREATE FUNCTION hs_reset_start(p_email text, p_code text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v users;
    v_phone text;
BEGIN
    SELECT * INTO v FROM users
     WHERE lower(email) = lower(p_email) AND status = 'active';
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF (SELECT count(*) FROM one_time_codes WHERE purpose = 'reset'
          AND utility_id = v.utility_id AND subject = lower(p_email)
          AND created_at > now() - interval '15 minutes') >= 3 THEN
        RETURN;
    END IF;
    SELECT phone INTO v_phone FROM customers WHERE id = v.customer_id;
    INSERT INTO one_time_codes (purpose, utility_id, subject, code_hash,
                                expires_at)
    VALUES ('reset', v.utility_id, lower(p_email), encode(sha256(convert_to(
            'reset:' || v.utility_id || ':' || lower(p_email) || ':' ||
            p_code, 'UTF8')), 'hex'), now() + interval '10 minutes');
    PERFORM hs_job_enqueue('notify.otp', jsonb_build_object(
        'utility_id', v.utility_id, 'user_id', v.id,
        'channel', CASE WHEN v_phone IS NOT NULL THEN 'sms' ELSE 'email' END,
        'to', coalesce(v_phone, v.email), 'purpose', 'reset',
        'code', p_code,
        'text', 'Kode reset kata sandi HydroSync Anda: ' || p_code ||
                ' (berlaku 10 menit). Abaikan jika Anda tidak memintanya.'),
        NULL, 'core');
END $$;

-- Finish a reset: the new hash, every session of the account ended.
CREATE FUNCTION hs_reset_finish(p_email text, p_code text, p_hash text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    v users;
BEGIN
    SELECT * INTO v FROM users
     WHERE lower(email) = lower(p_email) AND status = 'active';
    IF NOT FOUND OR hs_otp_check('reset', v.utility_id, lower(p_email),
                                 p_code) IS NULL THEN
        RETURN false;
    END IF;
    UPDATE users SET password_hash = p_hash WHERE id = v.id;
    DELETE FROM sessions WHERE user_id = v.id;
    DELETE FROM login_failures WHERE key = 'user:' || lower(p_email);
    PERFORM hs_audit('user:' || v.id, v.utility_id, 'password.reset',
                     'user', v.id::text, NULL, NULL);
    RETURN true;
END $$;
