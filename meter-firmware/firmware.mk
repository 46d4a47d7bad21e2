# Meter firmware (meter-firmware/): the portable meter core, the host
# virtual meter and the ATmega328P image.
#
# METER_LIB       $(LIB)/libhsmeter.a: core/*.c for the host (tests, tools,
#                 the virtual meter); link it before $(STS_LIB)
# METER_CFLAGS    include path of the core's headers
# $(BIN)/virtual-meter   the core behind TCP (and WebSocket) sockets
# METER_ELF       $(BUILD)/avr/meter/meter.elf, the Arduino image
# `make firmware` builds the image and prints flash and RAM; it is in
# REPORTS, so plain `make` does the same.

METER_DIR	:= meter-firmware
METER_CORE_SRCS	:= $(wildcard $(METER_DIR)/core/*.c)
METER_CORE_OBJS	:= $(patsubst %.c,$(OBJ)/%.o,$(METER_CORE_SRCS))
METER_LIB	:= $(LIB)/libhsmeter.a
METER_CFLAGS	:= -I$(TOP)/$(METER_DIR)/core

$(METER_LIB): $(METER_CORE_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

# ---------------------------------------------------------------- host
VMETER		:= $(BIN)/virtual-meter
VMETER_SRCS	:= $(wildcard $(METER_DIR)/host/*.c)
VMETER_OBJS	:= $(patsubst %.c,$(OBJ)/%.o,$(VMETER_SRCS))
$(OBJ)/$(METER_DIR)/host/%.o: CFLAGS += $(METER_CFLAGS)

$(VMETER): $(VMETER_OBJS) $(METER_LIB) $(STS_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(VMETER_OBJS) $(METER_LIB) $(STS_LIB)
PROGRAMS	+= $(VMETER)

# ---------------------------------------------------------------- AVR
# Arduino core from Debian's arduino-core-avr, compiled with the flags of
# its platform.txt (minus LTO, which gcc-avr 5.4's plugin does not need
# for this size), plus -DDECIMAL_DIG=__DECIMAL_DIG__: gcc-avr 5.4 defines
# DECIMAL_DIG for C only and the core's WString.cpp needs it in C++.
ARDUINO_AVR	?= /usr/share/arduino/hardware/arduino/avr
ARD_CORE	:= $(ARDUINO_AVR)/cores/arduino
ARD_VARIANT	:= $(ARDUINO_AVR)/variants/eightanaloginputs
AVR_CXX		?= avr-g++
AVR_OBJCOPY	?= avr-objcopy
METER_AVR	:= $(BUILD)/avr/meter
METER_ELF	:= $(METER_AVR)/meter.elf
METER_HEX	:= $(METER_AVR)/meter.hex
ARD_DEFS	:= -mmcu=$(AVR_MCU) -DF_CPU=8000000L -DARDUINO=10807 \
		   -DARDUINO_AVR_PRO -DARDUINO_ARCH_AVR -I$(ARD_CORE) \
		   -I$(ARD_VARIANT)
ARD_CFLAGS	:= -Os -g -std=gnu11 -flto -ffunction-sections -fdata-sections \
		   $(ARD_DEFS)
ARD_CXXFLAGS	:= -Os -g -std=gnu++11 -flto -fpermissive -fno-exceptions \
		   -ffunction-sections -fdata-sections -fno-threadsafe-statics \
		   -DDECIMAL_DIG=__DECIMAL_DIG__ $(ARD_DEFS)
ARD_OBJS	:= $(patsubst $(ARD_CORE)/%,$(METER_AVR)/arduino/%.o, \
		   $(wildcard $(ARD_CORE)/*.c $(ARD_CORE)/*.cpp $(ARD_CORE)/*.S))
# The core and the token engine are compiled again for this image (not
# shared with sts-avr-size) with LTO and -mcall-prologues: together they
# save about 2 KB of flash.
METER_AVR_FLAGS	:= -flto -mcall-prologues
METER_AVR_CORE	:= $(patsubst %.c,$(METER_AVR)/obj/%.o,$(METER_CORE_SRCS) \
		   $(STS_PORTABLE_SRCS))
METER_SKETCH_O	:= $(METER_AVR)/meter.ino.o
HAVE_ARDUINO	:= $(shell test -r $(ARD_CORE)/Arduino.h && echo 1)

$(METER_AVR)/arduino/%.c.o: $(ARD_CORE)/%.c
	@mkdir -p $(dir $@)
	$(AVR_CC) $(ARD_CFLAGS) -w -c -o $@ $<
$(METER_AVR)/arduino/%.cpp.o: $(ARD_CORE)/%.cpp
	@mkdir -p $(dir $@)
	$(AVR_CXX) $(ARD_CXXFLAGS) -w -c -o $@ $<
$(METER_AVR)/arduino/%.S.o: $(ARD_CORE)/%.S
	@mkdir -p $(dir $@)
	$(AVR_CC) -x assembler-with-cpp $(ARD_DEFS) -c -o $@ $<

# The core is held to the project's warnings; the sketch too, except
# what Arduino.h itself trips.
$(METER_AVR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(AVR_CC) $(AVR_CFLAGS) $(METER_AVR_FLAGS) $(METER_CFLAGS) -MMD -MP \
	    -c -o $@ $<
$(METER_SKETCH_O): $(METER_DIR)/avr/meter.ino $(wildcard $(METER_DIR)/core/*.h)
	@mkdir -p $(dir $@)
	$(AVR_CXX) $(ARD_CXXFLAGS) $(METER_AVR_FLAGS) -Wall -Wextra -Werror \
	    -I$(TOP)/core \
	    $(METER_CFLAGS) -x c++ -c -o $@ $<

$(METER_ELF): $(METER_SKETCH_O) $(METER_AVR_CORE) $(ARD_OBJS)
	@mkdir -p $(dir $@)
	$(AVR_CC) -mmcu=$(AVR_MCU) -Os $(METER_AVR_FLAGS) -Wl,--gc-sections \
	    -o $@ $^ -lm
$(METER_HEX): $(METER_ELF)
	$(AVR_OBJCOPY) -O ihex -R .eeprom $< $@

.PHONY: firmware
ifeq ($(HAVE_AVR_GCC)$(HAVE_ARDUINO),11)
firmware: $(METER_HEX)
	@echo "== Meter firmware on $(AVR_MCU) ($(METER_ELF)) =="
	@$(AVR_SIZE) -C --mcu=$(AVR_MCU) $(METER_ELF) | \
	    sed -n '/^Program/p;/^Data/p'
else
firmware:
	@echo "== Meter firmware: skipped (gcc-avr or arduino-core-avr missing) =="
endif
REPORTS		+= firmware

-include $(shell find $(METER_AVR)/obj -name '*.d' 2>/dev/null)
