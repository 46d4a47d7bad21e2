# Payment plugins share plugins/lib (a JSON reader, HTTP and signature
# helpers; linked in, never exported) and use libcrypto for signatures.
PJSON_OBJ	:= $(OBJ)/plugins/lib/pjson.o $(OBJ)/plugins/lib/phttp.o
$(PJSON_OBJ): CFLAGS += $(PLUGIN_CFLAGS)

PLUGIN_LIBS_payment_sandbox	:= $(PJSON_OBJ) -lcrypto
PLUGIN_LIBS_payment_midtrans	:= $(PJSON_OBJ) -lcrypto
PLUGIN_LIBS_payment_xendit	:= $(PJSON_OBJ) -lcrypto
$(BUILD)/plugins/payment/sandbox.so $(BUILD)/plugins/payment/midtrans.so \
    $(BUILD)/plugins/payment/xendit.so: $(PJSON_OBJ)
