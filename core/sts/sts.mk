# STS token engine (core/sts).
#
# libhssts.a      the portable engine: everything but dkga.c; no malloc,
#                 no stdio, builds for the AVR as well
# libhsstsdkga.a  decoder key generation (OpenSSL, -lcrypto), server only
#
# The CLI gets both, plus core/cli/token.c.  `make sts-avr-size` (part of
# REPORTS, so of `make all`) builds the portable sources with avr-gcc for
# an ATmega328P together with a small main that decodes tokens, and prints
# its flash and RAM use.

STS_PORTABLE_SRCS := $(filter-out core/sts/dkga.c,$(wildcard core/sts/*.c))
STS_PORTABLE_OBJS := $(patsubst %.c,$(OBJ)/%.o,$(STS_PORTABLE_SRCS))
STS_LIB		:= $(LIB)/libhssts.a
STS_DKGA_LIB	:= $(LIB)/libhsstsdkga.a

$(STS_LIB): $(STS_PORTABLE_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(STS_DKGA_LIB): $(OBJ)/core/sts/dkga.o
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

CLI_SRCS	+= core/cli/token.c
# Order matters for static linking: dkga uses the portable engine.
CLI_LIBS	+= $(STS_DKGA_LIB) $(STS_LIB)
CLI_LDLIBS	+= $(LDLIBS_CRYPTO)

# ---------------------------------------------------------------------------
# AVR build (ATmega328P, 8 MHz).  Objects go to their own tree because the
# compiler and flags differ from the host build.
AVR_CC		?= avr-gcc
AVR_SIZE	?= avr-size
AVR_MCU		:= atmega328p
AVR_CFLAGS	:= -std=c99 -Os -mmcu=$(AVR_MCU) -DF_CPU=8000000UL \
		   -Wall -Wextra -Werror -ffunction-sections -fdata-sections \
		   -I$(TOP)/core
AVR_OBJ		:= $(BUILD)/avr/obj
STS_AVR_ELF	:= $(BUILD)/avr/sts/sts_avr_demo.elf
STS_AVR_OBJS	:= $(patsubst %.c,$(AVR_OBJ)/%.o,$(STS_PORTABLE_SRCS) \
		   core/sts/avr/sts_avr_demo.c)
HAVE_AVR_GCC	:= $(shell command -v $(AVR_CC) >/dev/null 2>&1 && echo 1)

$(AVR_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(AVR_CC) $(AVR_CFLAGS) -MMD -MP -c -o $@ $<

$(STS_AVR_ELF): $(STS_AVR_OBJS)
	@mkdir -p $(dir $@)
	$(AVR_CC) -mmcu=$(AVR_MCU) -Wl,--gc-sections -o $@ $^

.PHONY: sts-avr-size
ifeq ($(HAVE_AVR_GCC),1)
sts-avr-size: $(STS_AVR_ELF)
	@echo "== STS token engine on $(AVR_MCU) (decoder + demo main) =="
	@$(AVR_SIZE) -C --mcu=$(AVR_MCU) $< | sed -n '/^Program/p;/^Data/p'
else
sts-avr-size:
	@echo "== STS token engine on AVR: skipped ($(AVR_CC) not installed) =="
endif
REPORTS		+= sts-avr-size

-include $(shell find $(AVR_OBJ) -name '*.d' 2>/dev/null)
