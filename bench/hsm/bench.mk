# HSM plugin benchmark (prints a "## HSM plugins" Markdown section): vends
# per second through the plugin ABI for the soft and pkcs11 plugins.  It
# loads $(BUILD)/plugins/hsm/*.so (path compiled in; an argument overrides
# it), so it depends on them.
HSM_BENCH	:= $(BUILD)/bench/hsm/bench_hsm
BENCH_PROGS	+= $(HSM_BENCH)

$(OBJ)/bench/hsm/bench_hsm.o: CFLAGS += $(HSM_P11_CFLAGS) \
    -DHS_BENCH_BUILD='"$(abspath $(BUILD))"'

$(HSM_BENCH): $(OBJ)/bench/hsm/bench_hsm.o $(OBJ)/plugins/hsm/soft/keystore.o \
    $(OBJ)/plugins/hsm/pkcs11/p11.o $(OBJ)/core/conf/conf.o \
    $(OBJ)/core/plugin/loader.o | $(HSM_SOFT_SO) $(HSM_P11_SO)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) -ldl $(LDLIBS_CRYPTO)
