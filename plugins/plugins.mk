# Plugins: every plugins/<kind>/<name>/ folder builds to
# $(BUILD)/plugins/<kind>/<name>.so from all its .c files.  Plugins are built
# with hidden visibility and a version script so that the one entry symbol
# is all they export (tests/integration checks this with nm -D).
PLUGIN_DIRS	:= $(sort $(dir $(wildcard plugins/*/*/*.c)))
PLUGIN_SOS	:= $(foreach d,$(PLUGIN_DIRS),$(BUILD)/$(patsubst %/,%,$(d)).so)
PLUGIN_CFLAGS	:= -fvisibility=hidden
PLUGIN_LDFLAGS	:= -shared -Wl,-z,now -Wl,-z,relro \
		   -Wl,--version-script=plugins/plugin.map

# Per-plugin extra libraries: PLUGIN_LIBS_<kind>_<name> := -lcrypto ...
define plugin_rule
$(BUILD)/$(1).so: $(patsubst %.c,$(OBJ)/%.o,$(wildcard $(1)/*.c)) plugins/plugin.map
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) $$(PLUGIN_LDFLAGS) -o $$@ \
	    $(patsubst %.c,$(OBJ)/%.o,$(wildcard $(1)/*.c)) \
	    $$(PLUGIN_LIBS_$(subst /,_,$(patsubst plugins/%,%,$(1))))
$(patsubst %.c,$(OBJ)/%.o,$(wildcard $(1)/*.c)): CFLAGS += $(PLUGIN_CFLAGS)
endef
$(foreach d,$(PLUGIN_DIRS),$(eval $(call plugin_rule,$(patsubst %/,%,$(d)))))

PROGRAMS	+= $(PLUGIN_SOS)
