# Unit tests of the CSV reader and the import's per-field checks (plain C).
$(BUILD)/tests/unit/csv/test_csv: $(OBJ)/tests/unit/csv/test_csv.o \
    $(OBJ)/core/api/csv_parse.o $(OBJ)/core/api/import.o $(STS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

UNIT_TESTS	+= $(BUILD)/tests/unit/csv/test_csv
