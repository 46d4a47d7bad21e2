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
