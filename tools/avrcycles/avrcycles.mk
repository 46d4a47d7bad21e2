# avrcycles: simavr-based cycle counter for AVR images (host tool).
# Needs libsimavr-dev (mk/deps.d/sts.txt); skipped when its header is absent.
AVRCYCLES	:= $(BIN)/avrcycles
HAVE_SIMAVR	:= $(shell test -r /usr/include/simavr/sim_avr.h && echo 1)

ifeq ($(HAVE_SIMAVR),1)
PROGRAMS	+= $(AVRCYCLES)

# simavr's headers are not -Wstrict-prototypes clean.
$(OBJ)/tools/avrcycles/avrcycles.o: CFLAGS += -Wno-strict-prototypes

$(AVRCYCLES): $(OBJ)/tools/avrcycles/avrcycles.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lsimavr
endif
