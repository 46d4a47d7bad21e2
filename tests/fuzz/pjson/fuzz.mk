# libFuzzer target for the plugins' JSON reader (plugins/lib/pjson.c):
# every entry point on arbitrary bytes, with the reader's own promises
# checked, seeded from tests/fuzz/corpus/pjson/ (provider notifications
# and replies, escapes, deep nesting).
FUZZ_TARGETS	+= $(BUILD)/fuzz/pjson

$(BUILD)/fuzz/pjson: tests/fuzz/pjson/fuzz_pjson.c plugins/lib/pjson.c \
    plugins/lib/pjson.h
	@mkdir -p $(dir $@)
	$(CLANG) -std=c99 -D_GNU_SOURCE -g -O1 $(WARN) \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -I$(TOP)/plugins/lib -o $@ $< plugins/lib/pjson.c
