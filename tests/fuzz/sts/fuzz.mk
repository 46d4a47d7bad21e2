# libFuzzer targets for the STS engine, built with clang and run by
# tests/fuzz/run.sh with seeds from tests/fuzz/corpus/<name>/.
STS_FUZZ_NAMES	:= sts_decode sts_number sts_sta_table
FUZZ_TARGETS	+= $(patsubst %,$(BUILD)/fuzz/%,$(STS_FUZZ_NAMES))
STS_FUZZ_FLAGS	:= -std=c99 -D_GNU_SOURCE -g -O1 $(WARN) \
		   -fsanitize=fuzzer,address,undefined \
		   -fno-sanitize-recover=all -I$(TOP)/core

$(BUILD)/fuzz/sts_%: tests/fuzz/sts/fuzz_sts_%.c $(STS_PORTABLE_SRCS) \
    $(wildcard core/sts/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) $(STS_FUZZ_FLAGS) -o $@ $< $(STS_PORTABLE_SRCS)
