$(BUILD)/tests/unit/tariff/test_tariff: $(OBJ)/tests/unit/tariff/test_tariff.o \
    $(OBJ)/core/tariff/tariff.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka
UNIT_TESTS	+= $(BUILD)/tests/unit/tariff/test_tariff
