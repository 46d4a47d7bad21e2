# The HTTP benchmark's baseline: a plain Kore hello-world module.
$(BUILD)/bench/http/kore_hello.so: bench/http/kore_hello.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(KORE_FEATURES) -Wno-cast-qual -shared -o $@ $<

BENCH_DEPS	+= $(BUILD)/bench/http/kore_hello.so
