# The SMS transport shares the plugins' JSON and HTTP helpers (plugins/lib).
PLUGIN_LIBS_transport_sms	:= $(OBJ)/plugins/lib/pjson.o \
				   $(OBJ)/plugins/lib/phttp.o -lcrypto
$(BUILD)/plugins/transport/sms.so: $(OBJ)/plugins/lib/pjson.o \
    $(OBJ)/plugins/lib/phttp.o
