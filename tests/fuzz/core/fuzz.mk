# libFuzzer target for the hydrosync.conf parser.
FUZZ_TARGETS	+= $(BUILD)/fuzz/conf

$(BUILD)/fuzz/conf: tests/fuzz/core/fuzz_conf.c core/conf/conf.c \
    core/conf/conf.h
	@mkdir -p $(dir $@)
	$(CLANG) -std=c99 -D_GNU_SOURCE -g -O1 $(WARN) \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -I$(TOP)/core/include -I$(TOP)/core -o $@ $< core/conf/conf.c
