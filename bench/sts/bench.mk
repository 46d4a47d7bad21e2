# Token engine benchmark (prints a "## Token engine" Markdown section).
# bench_sts_boolean is the same program against the table-free MISTY1.
STS_BENCH	:= $(BUILD)/bench/sts/bench_sts
STS_BENCH_BOOL	:= $(BUILD)/bench/sts/bench_sts_boolean
BENCH_PROGS	+= $(STS_BENCH) $(STS_BENCH_BOOL)

$(STS_BENCH): $(OBJ)/bench/sts/bench_sts.o $(STS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(STS_LIB)

# The AVR rows need the simulator and the AVR image, when available.
ifeq ($(HAVE_SIMAVR),1)
$(STS_BENCH): | $(AVRCYCLES)
endif
ifeq ($(HAVE_AVR_GCC),1)
$(STS_BENCH): | $(STS_AVR_ELF)
endif

$(OBJ)/bench/sts/bench_sts_boolean.o: bench/sts/bench_sts.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DHS_STS_MISTY1_BOOLEAN -c -o $@ $<

$(STS_BENCH_BOOL): $(OBJ)/bench/sts/bench_sts_boolean.o \
    $(OBJ)/tests/unit/sts/misty1_boolean.o $(STS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(STS_LIB)
