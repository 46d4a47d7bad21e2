# Fault tests: crashes (SIGKILL at each step of a payment and a vend),
# PostgreSQL restarted under load, an HSM that goes down.  They run with
# the integration tests (tests/run.sh gives each a fresh database) and
# use flaky_hsm.so, a test HSM that passes calls to a real one.
FAULT_TESTS	:= $(patsubst tests/fault/%.c,$(BUILD)/tests/fault/%,$(wildcard tests/fault/test_*.c))
FAULT_FLAKY_HSM	:= $(BUILD)/tests/fault/flaky_hsm.so

$(OBJ)/tests/fault/%.o: CFLAGS += -Itests/lib -I/usr/include/postgresql

$(BUILD)/tests/fault/%: $(OBJ)/tests/fault/%.o $(BUILD)/tests/lib/libhs_test.a \
    | $(FAULT_FLAKY_HSM)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) -lcmocka -lpq -lwebsockets -lssl -lcrypto

$(FAULT_FLAKY_HSM): $(OBJ)/tests/fault/flaky_hsm.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -shared -o $@ $^ -ldl

INTEGRATION_TESTS	+= $(FAULT_TESTS)
PROGRAMS	+= $(FAULT_TESTS) $(FAULT_FLAKY_HSM)
