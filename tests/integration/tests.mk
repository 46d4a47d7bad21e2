# Integration tests: each program starts its own server(s) on free ports
# against the test PostgreSQL that tests/run.sh provides.
$(BUILD)/tests/lib/libhs_test.a: $(OBJ)/tests/lib/hs_test.o \
    $(OBJ)/tests/lib/hs_test_vend.o $(OBJ)/tests/lib/hs_test_ws.o
	@mkdir -p $(dir $@)
	ar rcs $@ $^

$(OBJ)/tests/integration/%.o $(OBJ)/tests/lib/%.o: CFLAGS += -Itests/lib \
    -I/usr/include/postgresql

$(BUILD)/tests/integration/%: $(OBJ)/tests/integration/%.o \
    $(BUILD)/tests/lib/libhs_test.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka -lpq -lwebsockets -lssl -lcrypto

INTEGRATION_TESTS += $(patsubst tests/integration/%.c,$(BUILD)/tests/integration/%,$(wildcard tests/integration/test_*.c))
PROGRAMS	+= $(INTEGRATION_TESTS)

# The telemetry test plays the phone: it links the meter's own frame and
# protocol crypto (no hardware layer).
$(OBJ)/tests/integration/test_telemetry.o: CFLAGS += -Imeter-firmware/core
$(BUILD)/tests/integration/test_telemetry: \
    $(patsubst %,$(OBJ)/meter-firmware/core/%.o,aes cmac frame protocrypto) \
    $(LIB)/libhssts.a

# The BLE gateway test loads blegw.so through the real loader with a fake
# host of its own and plays the core: it links the loader, the meter's
# frame and protocol crypto, the token engine and the plugins' JSON reader,
# and runs hs-ble-bridge and virtual-meter.
$(OBJ)/tests/integration/test_blegw.o: CFLAGS += -Imeter-firmware/core \
    -Iplugins/lib
$(BUILD)/tests/integration/test_blegw: $(OBJ)/core/conf/conf.o \
    $(OBJ)/core/plugin/loader.o $(OBJ)/plugins/lib/pjson.o \
    $(patsubst %,$(OBJ)/meter-firmware/core/%.o,aes cmac frame protocrypto) \
    $(LIB)/libhssts.a | $(BUILD)/plugins/transport/blegw.so \
    $(BIN)/hs-ble-bridge $(BIN)/virtual-meter

# The gateway test runs the whole path through the core (vend, outbox,
# blegw.so, hs-ble-bridge, virtual-meter, the telemetry job); it derives
# the meter's decoder key (token engine and DKGA) and K (the meter's CMAC).
$(OBJ)/tests/integration/test_gateway.o: CFLAGS += -Imeter-firmware/core
$(BUILD)/tests/integration/test_gateway: \
    $(patsubst %,$(OBJ)/meter-firmware/core/%.o,aes cmac) \
    $(LIB)/libhsstsdkga.a $(LIB)/libhssts.a | \
    $(BUILD)/plugins/transport/blegw.so $(BIN)/hs-ble-bridge \
    $(BIN)/virtual-meter

# The billing test checks the SQL billing against core/tariff's C.
$(OBJ)/tests/integration/test_billing.o: CFLAGS += -Icore
$(BUILD)/tests/integration/test_billing: $(OBJ)/core/tariff/tariff.o

# The cluster test gives node-a a slow HSM for its kill (the fault tests'
# flaky_hsm.so, with delay_ms).
$(BUILD)/tests/integration/test_cluster: | $(BUILD)/tests/fault/flaky_hsm.so
