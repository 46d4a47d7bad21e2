# libFuzzer target for the CSV reader and the import's per-field checks,
# seeded from tests/fuzz/corpus/csv/.
FUZZ_TARGETS	+= $(BUILD)/fuzz/csv
CSV_FUZZ_SRCS	:= core/api/csv_parse.c core/api/import.c

$(BUILD)/fuzz/csv: tests/fuzz/csv/fuzz_csv.c $(CSV_FUZZ_SRCS) \
    core/api/csv.h core/api/import.h $(STS_PORTABLE_SRCS)
	@mkdir -p $(dir $@)
	$(CLANG) -std=c99 -D_GNU_SOURCE -g -O1 $(WARN) \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -I$(TOP)/core -o $@ $< $(CSV_FUZZ_SRCS) $(STS_PORTABLE_SRCS)
