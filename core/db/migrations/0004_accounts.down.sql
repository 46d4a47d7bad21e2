DROP FUNCTION hs_reset_finish(text, text, text);
DROP FUNCTION hs_reset_start(text, text);
DROP FUNCTION hs_signup_finish(text, text, text, text, text);
DROP FUNCTION hs_otp_check(text, bigint, text, text);
DROP FUNCTION hs_signup_start(text, text, text);
