# The whole-system load test's simulated users (bench/load/load.sh):
# one process on epoll, plain HTTP or TLS (libssl) to the front.
LOAD_SRCS	:= $(wildcard bench/load/*.c)
$(BIN)/user-load: $(patsubst %.c,$(OBJ)/%.o,$(LOAD_SRCS))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lssl -lcrypto -lm

BENCH_DEPS	+= $(BIN)/user-load
PROGRAMS	+= $(BIN)/user-load
