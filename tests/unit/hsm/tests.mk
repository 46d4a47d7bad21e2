# Unit tests of the HSM plugins (cmocka; TAP via CMOCKA_MESSAGE_OUTPUT).
#
# The plugins are loaded from $(BUILD)/plugins/hsm/*.so through the real
# loader with a fake host, so each test depends on the .so it loads.
# test_pkcs11 runs SoftHSM2 with a private token directory under /tmp
# (SOFTHSM2_CONF points at a config the test writes) and loads
# fake_p11.so, a stand-in module that reports a locked token.  test_keys
# runs $(BIN)/hydrosync keys end to end.  The build and source paths are
# compiled in, so the tests find them whatever their working directory.
HSM_TEST_BIN	:= $(BUILD)/tests/unit/hsm
HSM_TESTS	:= $(HSM_TEST_BIN)/test_soft $(HSM_TEST_BIN)/test_pkcs11 \
		   $(HSM_TEST_BIN)/test_keys
HSM_FAKE_P11	:= $(HSM_TEST_BIN)/fake_p11.so
HSM_TEST_LINK	:= $(OBJ)/core/conf/conf.o $(OBJ)/core/plugin/loader.o \
		   $(STS_DKGA_LIB) $(STS_LIB)
HSM_TEST_LIBS	:= -lcmocka -ldl $(LDLIBS_CRYPTO)

UNIT_TESTS	+= $(HSM_TESTS)
PROGRAMS	+= $(HSM_FAKE_P11)

$(OBJ)/tests/unit/hsm/%.o: CFLAGS += $(HSM_P11_CFLAGS) \
    -DHS_TEST_BUILD='"$(abspath $(BUILD))"' -DHS_TEST_TOP='"$(TOP)"'

$(HSM_TEST_BIN)/test_soft: $(OBJ)/tests/unit/hsm/test_soft.o \
    $(OBJ)/plugins/hsm/soft/keystore.o $(HSM_TEST_LINK) | $(HSM_SOFT_SO)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(HSM_TEST_LIBS)

$(HSM_TEST_BIN)/test_pkcs11: $(OBJ)/tests/unit/hsm/test_pkcs11.o \
    $(OBJ)/plugins/hsm/pkcs11/p11.o $(HSM_TEST_LINK) | $(HSM_P11_SO) \
    $(HSM_FAKE_P11)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(HSM_TEST_LIBS)

$(HSM_TEST_BIN)/test_keys: $(OBJ)/tests/unit/hsm/test_keys.o \
    $(HSM_TEST_LINK) | $(BIN)/hydrosync $(HSM_SOFT_SO) $(HSM_P11_SO)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(HSM_TEST_LIBS)

$(HSM_FAKE_P11): tests/unit/hsm/fake_p11.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HSM_P11_CFLAGS) -shared -fvisibility=hidden -o $@ $<
