# The chat fan-out benchmark's client: thousands of WebSockets on epoll.
$(BIN)/ws-fanout: $(OBJ)/bench/chat/ws_fanout.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^

BENCH_DEPS	+= $(BIN)/ws-fanout
PROGRAMS	+= $(BIN)/ws-fanout
