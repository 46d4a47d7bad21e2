# The billing benchmark's load generator: signed bill inquiries.
$(BIN)/inquiry-load: $(OBJ)/bench/bill/inquiry_load.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcrypto -lpthread

BENCH_DEPS	+= $(BIN)/inquiry-load
PROGRAMS	+= $(BIN)/inquiry-load
