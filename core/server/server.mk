# The Kore application module: build/lib/hydrosync.so, loaded by `kore`.
# Its objects must see the same feature defines as Debian's kore binary
# (struct http_request grows with KORE_USE_PGSQL/TASKS), hence KORE_FEATURES.
KORE_FEATURES	:= $(shell cat /usr/share/kore/features 2>/dev/null)

# Sources without Kore: shared with the CLI and the unit tests.
CORE_PLAIN_SRCS	:= core/conf/conf.c core/plugin/loader.c core/auth/password.c \
		   core/tariff/tariff.c
CORE_KORE_SRCS	:= $(wildcard core/server/*.c core/http/*.c core/obs/*.c \
		     core/db/*.c core/net/*.c core/api/*.c core/cache/*.c \
		     core/jobs/*.c core/vend/*.c core/notify/*.c core/chat/*.c core/bill/*.c \
		     core/auth/session.c \
		     core/auth/login.c core/auth/accounts.c) core/plugin/host.c
CORE_KORE_OBJS	:= $(patsubst %.c,$(OBJ)/%.o,$(CORE_KORE_SRCS))
CORE_PLAIN_OBJS	:= $(patsubst %.c,$(OBJ)/%.o,$(CORE_PLAIN_SRCS))

$(CORE_KORE_OBJS): CFLAGS += $(KORE_FEATURES) -Wno-cast-qual
# Telemetry and grants use the meter's own AES-CMAC (meter-firmware/core).
$(OBJ)/core/notify/%.o: CFLAGS += -Imeter-firmware/core

# The meter's own crypto, for telemetry and grants: only the parts that
# do not need the meter's hardware layer.
CORE_METER_OBJS	:= $(patsubst %,$(OBJ)/meter-firmware/core/%.o,aes cmac grant \
		   protocrypto)

$(LIB)/hydrosync.so: $(CORE_KORE_OBJS) $(CORE_PLAIN_OBJS) $(LIB)/libhssts.a \
    $(CORE_METER_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -shared -o $@ $(CORE_KORE_OBJS) \
	    $(CORE_PLAIN_OBJS) $(CORE_METER_OBJS) $(LIB)/libhssts.a \
	    -lwebsockets -lcrypto -lpq -lpthread -ldl

PROGRAMS	+= $(LIB)/hydrosync.so

# The route table leaves optional trailing fields (query) out; C makes
# them NULL, which is the intent.
$(OBJ)/core/http/routes.o: CFLAGS += -Wno-missing-field-initializers
