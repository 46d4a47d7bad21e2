# The webhook transport (webhook.c, sign.c) signs with libcrypto's HMAC;
# it shares nothing with plugins/lib.
PLUGIN_LIBS_transport_webhook	:= -lcrypto
