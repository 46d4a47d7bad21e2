# Unit tests of the core's parts that run without Kore, and the fixture
# plugins that the loader tests (and the start-up integration tests) load.
FIXTURES	:= $(BUILD)/tests/fixtures
FIXTURE_SOS	:= $(FIXTURES)/no_entry.so $(FIXTURES)/declines.so \
		   $(FIXTURES)/abi2.so $(FIXTURES)/no_send.so \
		   $(FIXTURES)/old_minor.so

FIXTURE_CC	= $(CC) $(CFLAGS) -shared -fvisibility=hidden -o $@

$(FIXTURES)/no_entry.so: tests/unit/core/fixtures/no_entry.c
	@mkdir -p $(dir $@)
	$(FIXTURE_CC) $<
$(FIXTURES)/declines.so: tests/unit/core/fixtures/declines.c
	@mkdir -p $(dir $@)
	$(FIXTURE_CC) $<
$(FIXTURES)/abi2.so: tests/unit/core/fixtures/plugin_fixture.c
	@mkdir -p $(dir $@)
	$(FIXTURE_CC) -DFIXTURE_ABI_MAJOR=2 $<
$(FIXTURES)/no_send.so: tests/unit/core/fixtures/plugin_fixture.c
	@mkdir -p $(dir $@)
	$(FIXTURE_CC) -DFIXTURE_NO_SEND $<
$(FIXTURES)/old_minor.so: tests/unit/core/fixtures/plugin_fixture.c
	@mkdir -p $(dir $@)
	$(FIXTURE_CC) -DFIXTURE_OLD_MINOR $<

$(BUILD)/tests/unit/core/test_conf: $(OBJ)/tests/unit/core/test_conf.o \
    $(OBJ)/core/conf/conf.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

$(BUILD)/tests/unit/core/test_loader: $(OBJ)/tests/unit/core/test_loader.o \
    $(OBJ)/core/conf/conf.o $(OBJ)/core/plugin/loader.o | $(FIXTURE_SOS) \
    $(PLUGIN_SOS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) -lcmocka -ldl

UNIT_TESTS	+= $(BUILD)/tests/unit/core/test_conf \
		   $(BUILD)/tests/unit/core/test_loader
PROGRAMS	+= $(FIXTURE_SOS)
