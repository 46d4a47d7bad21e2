# Unit tests of the webhook transport (cmocka; TAP via CMOCKA_MESSAGE_OUTPUT).
#
# Both programs load $(BUILD)/plugins/transport/webhook.so through the real
# loader with a fake host (fake_host.c) whose http_request records each
# request and lets the test answer it.  test_webhook checks the request,
# the signatures (recomputed with libcrypto) and the outcome mapping;
# test_receiver relays the plugin's requests over a socket to
# $(BIN)/hs-webhook-receiver, the integrator of docs/webhooks.md.  The
# build path is compiled in, so the tests run from any directory.
WEBHOOK_TEST_BIN	:= $(BUILD)/tests/unit/webhook
WEBHOOK_TEST_LINK	:= $(OBJ)/tests/unit/webhook/fake_host.o \
			   $(OBJ)/core/conf/conf.o $(OBJ)/core/plugin/loader.o
WEBHOOK_TEST_LIBS	:= -lcmocka -ldl $(LDLIBS_CRYPTO)

UNIT_TESTS	+= $(WEBHOOK_TEST_BIN)/test_webhook \
		   $(WEBHOOK_TEST_BIN)/test_receiver

$(OBJ)/tests/unit/webhook/%.o: CFLAGS += \
    -DHS_TEST_BUILD='"$(abspath $(BUILD))"'

$(WEBHOOK_TEST_BIN)/test_webhook: $(OBJ)/tests/unit/webhook/test_webhook.o \
    $(WEBHOOK_TEST_LINK) | $(BUILD)/plugins/transport/webhook.so
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(WEBHOOK_TEST_LIBS)

$(WEBHOOK_TEST_BIN)/test_receiver: $(OBJ)/tests/unit/webhook/test_receiver.o \
    $(WEBHOOK_TEST_LINK) | $(BUILD)/plugins/transport/webhook.so \
    $(BIN)/hs-webhook-receiver
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(WEBHOOK_TEST_LIBS)
