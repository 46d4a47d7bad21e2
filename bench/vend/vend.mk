# The vending benchmark's load generator: signed sandbox notifications.
$(BIN)/webhook-load: $(OBJ)/bench/vend/webhook_load.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcrypto -lpthread

BENCH_DEPS	+= $(BIN)/webhook-load
PROGRAMS	+= $(BIN)/webhook-load
