# libFuzzer target for the meter's BLE frame parser and protocol engine:
# arbitrary link bytes into a provisioned meter (RAM EEPROM).
FUZZ_TARGETS	+= $(BUILD)/fuzz/meter_frame
METER_FUZZ_FLAGS := -std=c99 -D_GNU_SOURCE -g -O1 $(WARN) \
		   -fsanitize=fuzzer,address,undefined \
		   -fno-sanitize-recover=all -I$(TOP)/core $(METER_CFLAGS)

$(BUILD)/fuzz/meter_frame: tests/fuzz/meter/fuzz_meter_frame.c \
    $(METER_CORE_SRCS) $(STS_PORTABLE_SRCS) \
    $(wildcard meter-firmware/core/*.h core/sts/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) $(METER_FUZZ_FLAGS) -o $@ $< $(METER_CORE_SRCS) \
	    $(STS_PORTABLE_SRCS)
