# hs-ble-bridge: the small BLE gateway of docs/ble-gateway.md for tests
# and demos.  A libwebsockets server for the core's ble-gateway transport
# and raw TCP links to virtual meters, in one event loop; it parses the
# core's messages with the plugins' JSON reader.
$(BIN)/hs-ble-bridge: $(OBJ)/tools/ble-bridge/bridge.o \
    $(OBJ)/plugins/lib/pjson.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lwebsockets
PROGRAMS	+= $(BIN)/hs-ble-bridge
