# hs-fakepay: the local fake payment gateway that plays the sandbox,
# midtrans and xendit providers of docs/payments.md on one 127.0.0.1 port,
# for integration tests, benchmarks and `make run`.  One file, libcrypto
# only (SHA-512, HMAC-SHA256, random ids); a thread per notification sent.
$(BIN)/hs-fakepay: $(OBJ)/tools/fakepay/fakepay.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_CRYPTO) -lpthread
PROGRAMS	+= $(BIN)/hs-fakepay
