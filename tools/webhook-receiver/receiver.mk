# hs-webhook-receiver: a test integrator for the webhook transport.  It
# verifies deliveries exactly as docs/webhooks.md tells integrators to,
# dedupes on the event id, records them and can be told to fail.  Plain
# C99/POSIX and libcrypto (HMAC-SHA256).
WEBHOOK_RECEIVER_OBJS	:= $(OBJ)/tools/webhook-receiver/main.o \
			   $(OBJ)/tools/webhook-receiver/http.o \
			   $(OBJ)/tools/webhook-receiver/hooks.o

$(BIN)/hs-webhook-receiver: $(WEBHOOK_RECEIVER_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(WEBHOOK_RECEIVER_OBJS) $(LDLIBS_CRYPTO)
PROGRAMS	+= $(BIN)/hs-webhook-receiver
