# The BLE gateway transport (plugins/transport/blegw -> blegw.so).  It is
# the server side of the meter's BLE protocol, so it links the meter's own
# frame codec and protocol crypto (meter-firmware/core, no hardware layer:
# the same objects the core links for telemetry), the token engine for
# token numbers, CRC-16 and wiping, and the plugins' JSON reader.  All are
# compiled -fPIC; the version script keeps hs_plugin_entry the only
# exported symbol.
BLEGW_SO	:= $(BUILD)/plugins/transport/blegw.so
BLEGW_LINK	:= $(OBJ)/plugins/lib/pjson.o \
		   $(patsubst %,$(OBJ)/meter-firmware/core/%.o,aes cmac frame \
		   protocrypto) $(LIB)/libhssts.a

$(OBJ)/plugins/transport/blegw/%.o: CFLAGS += -Imeter-firmware/core
PLUGIN_LIBS_transport_blegw	:= $(BLEGW_LINK)
$(BLEGW_SO): $(BLEGW_LINK)
