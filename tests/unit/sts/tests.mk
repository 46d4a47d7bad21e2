# Unit tests of the STS token engine (cmocka; TAP via CMOCKA_MESSAGE_OUTPUT).
#
# test_<name> is built from tests/unit/sts/test_<name>.c and the portable
# engine library; test_dkga also links the OpenSSL part.  test_misty1 is
# built a second time against a MISTY1 compiled with the table-free
# boolean S-boxes, so both forms must pass the same vectors.  test_cli
# runs $(BIN)/hydrosync, so it depends on it.

STS_TESTS	:= crc_amount number tid sta misty1 block meterno token meter \
		   roundtrip cli dkga
STS_TEST_BIN	:= $(BUILD)/tests/unit/sts

UNIT_TESTS	+= $(patsubst %,$(STS_TEST_BIN)/test_%,$(STS_TESTS)) \
		   $(STS_TEST_BIN)/test_misty1_boolean

$(STS_TEST_BIN)/test_%: $(OBJ)/tests/unit/sts/test_%.o $(STS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(STS_LIB) -lcmocka

$(STS_TEST_BIN)/test_dkga: $(OBJ)/tests/unit/sts/test_dkga.o \
    $(STS_DKGA_LIB) $(STS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(STS_DKGA_LIB) $(STS_LIB) -lcmocka \
	    $(LDLIBS_CRYPTO)

$(STS_TEST_BIN)/test_cli: | $(BIN)/hydrosync

$(OBJ)/tests/unit/sts/misty1_boolean.o: core/sts/misty1.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DHS_STS_MISTY1_BOOLEAN -c -o $@ $<

$(STS_TEST_BIN)/test_misty1_boolean: $(OBJ)/tests/unit/sts/test_misty1.o \
    $(OBJ)/tests/unit/sts/misty1_boolean.o $(STS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(STS_LIB) -lcmocka
