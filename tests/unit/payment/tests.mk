# Unit tests of the payment plugins and of their JSON reader (cmocka; TAP
# via CMOCKA_MESSAGE_OUTPUT).
#
# Each plugin is loaded from $(BUILD)/plugins/payment/<name>.so through the
# real loader with a fake host (tests/unit/payment/pay_test.h) whose HTTP
# client records requests and answers only when a test says, so each test
# depends on the .so it loads.  The build path is compiled in, so the
# tests find the plugins whatever their working directory.
PAY_TEST_BIN	:= $(BUILD)/tests/unit/payment
PAY_PLUGINS	:= sandbox midtrans xendit cash
PAY_TESTS	:= $(PAY_TEST_BIN)/test_pjson \
		   $(foreach p,$(PAY_PLUGINS),$(PAY_TEST_BIN)/test_$(p))
PAY_TEST_LINK	:= $(OBJ)/core/conf/conf.o $(OBJ)/core/plugin/loader.o \
		   $(OBJ)/plugins/lib/pjson.o
PAY_TEST_LIBS	:= -lcmocka -ldl $(LDLIBS_CRYPTO)

UNIT_TESTS	+= $(PAY_TESTS)

$(OBJ)/tests/unit/payment/%.o: CFLAGS += \
    -DHS_TEST_BUILD='"$(abspath $(BUILD))"'

$(PAY_TEST_BIN)/test_pjson: $(OBJ)/tests/unit/payment/test_pjson.o \
    $(OBJ)/plugins/lib/pjson.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

define pay_test_rule
$(PAY_TEST_BIN)/test_$(1): $(OBJ)/tests/unit/payment/test_$(1).o \
    $(PAY_TEST_LINK) | $(BUILD)/plugins/payment/$(1).so
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $$(PAY_TEST_LIBS)
endef
$(foreach p,$(PAY_PLUGINS),$(eval $(call pay_test_rule,$(p))))
