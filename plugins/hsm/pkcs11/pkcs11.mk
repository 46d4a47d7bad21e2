# The pkcs11 HSM plugin (plugins/hsm/pkcs11 -> $(BUILD)/plugins/hsm/pkcs11.so).
# It dlopen()s the module a setting names, so it links no PKCS#11 library;
# the p11-kit header is the only build dependency.  It shares the STS token
# operations of the soft plugin (plugins/hsm/soft/sts_ops.c) and links the
# token engine statically; the version script keeps hs_plugin_entry its
# only exported symbol.
HSM_P11_SO		:= $(BUILD)/plugins/hsm/pkcs11.so
HSM_P11_CFLAGS		:= $(shell pkg-config --cflags p11-kit-1 2>/dev/null || \
			   echo -I/usr/include/p11-kit-1)

$(OBJ)/plugins/hsm/pkcs11/%.o: CFLAGS += $(HSM_P11_CFLAGS)

PLUGIN_LIBS_hsm_pkcs11	:= $(OBJ)/plugins/hsm/soft/sts_ops.o $(STS_LIB) \
			   $(LDLIBS_CRYPTO) -ldl
$(HSM_P11_SO): $(OBJ)/plugins/hsm/soft/sts_ops.o $(STS_LIB)
