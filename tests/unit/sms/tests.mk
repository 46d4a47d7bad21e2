# Unit tests of the sms transport (cmocka; TAP via CMOCKA_MESSAGE_OUTPUT).
#
# test_sms loads $(BUILD)/plugins/transport/sms.so through the real loader
# with the payment tests' fake host (tests/unit/payment/pay_test.h), whose
# HTTP client records each request and answers only when the test says;
# Twilio's signatures are recomputed with libcrypto.  The build path is
# compiled in, so the test finds the plugin whatever its working
# directory.
SMS_TEST_BIN	:= $(BUILD)/tests/unit/sms
SMS_TEST_LINK	:= $(OBJ)/core/conf/conf.o $(OBJ)/core/plugin/loader.o \
		   $(OBJ)/plugins/lib/pjson.o
SMS_TEST_LIBS	:= -lcmocka -ldl $(LDLIBS_CRYPTO)

UNIT_TESTS	+= $(SMS_TEST_BIN)/test_sms

$(OBJ)/tests/unit/sms/%.o: CFLAGS += \
    -DHS_TEST_BUILD='"$(abspath $(BUILD))"'

$(SMS_TEST_BIN)/test_sms: $(OBJ)/tests/unit/sms/test_sms.o \
    $(SMS_TEST_LINK) | $(BUILD)/plugins/transport/sms.so
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(SMS_TEST_LIBS)
