# The soft HSM plugin (plugins/hsm/soft -> $(BUILD)/plugins/hsm/soft.so):
# OpenSSL in-process, vending keys in a sealed keystore file.  It links the
# token engine statically (compiled -fPIC); the version script keeps
# hs_plugin_entry its only exported symbol.  keystore.c is also compiled
# into the hydrosync CLI (core/cli/keys.c, see plugins/hsm/pkcs11/pkcs11.mk)
# and sts_ops.c into the pkcs11 plugin.
HSM_SOFT_SO		:= $(BUILD)/plugins/hsm/soft.so
HSM_STS_OPS_OBJ		:= $(OBJ)/plugins/hsm/soft/sts_ops.o
HSM_KEYSTORE_OBJ	:= $(OBJ)/plugins/hsm/soft/keystore.o

PLUGIN_LIBS_hsm_soft	:= $(STS_DKGA_LIB) $(STS_LIB) $(LDLIBS_CRYPTO)
$(HSM_SOFT_SO): $(STS_DKGA_LIB) $(STS_LIB)

# hydrosync keys (core/cli/keys.c): key ceremonies.  It drives the plugins
# through the ABI and calls the keystore and PKCS#11 code directly for the
# operations the ABI leaves out (create, generate, import).
CLI_SRCS	+= core/cli/keys.c plugins/hsm/soft/keystore.c \
		   plugins/hsm/pkcs11/p11.c
CLI_LDLIBS	+= -ldl $(LDLIBS_CRYPTO)
$(OBJ)/core/cli/keys.o: CFLAGS += $(HSM_P11_CFLAGS)
