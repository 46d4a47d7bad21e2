# The webhook transport uses the plugins' HTTP helpers and libcrypto.
PLUGIN_LIBS_transport_webhook	:= $(OBJ)/plugins/lib/phttp.o -lcrypto
$(BUILD)/plugins/transport/webhook.so: $(OBJ)/plugins/lib/phttp.o
