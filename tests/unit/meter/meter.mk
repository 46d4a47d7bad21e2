# Unit tests of the meter core (meter-firmware/core), cmocka + TAP.
# Each test_<name> links the shared test board nvsim.o, the core and the
# token engine.  test_doc reads meter-firmware/docs/ble-protocol.md.
METER_TESTS	:= crypto frame meter powercut proto doc
METER_TEST_BIN	:= $(BUILD)/tests/unit/meter
UNIT_TESTS	+= $(patsubst %,$(METER_TEST_BIN)/test_%,$(METER_TESTS))

$(OBJ)/tests/unit/meter/%.o: CFLAGS += $(METER_CFLAGS) \
    -DHS_DOC_PATH='"$(TOP)/meter-firmware/docs/ble-protocol.md"'

$(METER_TEST_BIN)/test_%: $(OBJ)/tests/unit/meter/test_%.o \
    $(OBJ)/tests/unit/meter/nvsim.o $(OBJ)/tests/unit/meter/phone.o \
    $(METER_LIB) $(STS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(METER_LIB) $(STS_LIB) -lcmocka
