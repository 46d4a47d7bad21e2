# simavr test of the real AVR image (cmocka + libsimavr).  It depends on
# $(METER_ELF), so `make test` builds the firmware first.  The EEPROM
# image it boots is made by the host build of the same core (meter lib).
FW_TEST		:= $(BUILD)/tests/firmware/test_firmware
FW_HARNESS_O	:= $(OBJ)/tests/firmware/avrsim.o

# tools/ (HAVE_SIMAVR) is included after tests/, so test here.
FW_HAVE_SIMAVR	:= $(shell test -r /usr/include/simavr/sim_avr.h && echo 1)
ifeq ($(FW_HAVE_SIMAVR)$(HAVE_AVR_GCC)$(HAVE_ARDUINO),111)
UNIT_TESTS	+= $(FW_TEST)
$(OBJ)/tests/firmware/%.o: CFLAGS += -Wno-strict-prototypes $(METER_CFLAGS) \
    -DHS_METER_ELF='"$(TOP)/$(METER_ELF)"'

$(FW_TEST): $(OBJ)/tests/firmware/test_firmware.o $(FW_HARNESS_O) \
    $(METER_LIB) $(STS_LIB) | $(METER_ELF)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(METER_LIB) $(STS_LIB) \
	    -lsimavr -lelf -lcmocka
endif
