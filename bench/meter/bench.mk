# Meter firmware benchmark: runs the real AVR image under simavr (the
# tests/firmware harness) and prints a "## Meter firmware" section: token
# decode cycles, flash/RAM and the average current from the duty cycle.
# bench/ is included before meter-firmware/ and tests/: recompute what
# this needs from them (their variables are expanded in recipes only).
METER_BENCH	:= $(BUILD)/bench/meter/bench_meter
BENCH_HAVE_SIMAVR := $(shell test -r /usr/include/simavr/sim_avr.h && echo 1)
BENCH_HAVE_AVR	:= $(shell command -v avr-gcc >/dev/null 2>&1 && \
		   test -r /usr/share/arduino/hardware/arduino/avr/cores/arduino/Arduino.h && echo 1)
ifeq ($(BENCH_HAVE_SIMAVR)$(BENCH_HAVE_AVR),11)
BENCH_PROGS	+= $(METER_BENCH)
$(OBJ)/bench/meter/%.o: CFLAGS += -Wno-strict-prototypes \
    -I$(TOP)/meter-firmware/core -I$(TOP)/tests/firmware \
    -DHS_METER_ELF='"$(TOP)/$(BUILD)/avr/meter/meter.elf"'
$(METER_BENCH): $(OBJ)/bench/meter/bench_meter.o \
    $(OBJ)/tests/firmware/avrsim.o $(LIB)/libhsmeter.a $(LIB)/libhssts.a \
    | $(BUILD)/avr/meter/meter.elf
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB)/libhsmeter.a $(LIB)/libhssts.a \
	    -lsimavr -lelf
endif
