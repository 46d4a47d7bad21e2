# The hydrosync CLI's own subcommands (main.c is linked by GNUmakefile).
$(BUILD)/gen/migrations.c: $(wildcard core/db/migrations/*.sql) \
    core/db/demo/demo.sql mk/embed-sql.sh
	@mkdir -p $(dir $@)
	mk/embed-sql.sh core/db/migrations core/db/demo/demo.sql > $@.tmp
	mv $@.tmp $@

$(OBJ)/gen/migrations.o: $(BUILD)/gen/migrations.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

CLI_SRCS	+= core/cli/config.c core/cli/db.c core/cli/audit.c core/cli/user.c \
		   core/auth/password.c core/conf/conf.c \
		   core/plugin/loader.c
CLI_LIBS	+= $(OBJ)/gen/migrations.o
CLI_LDLIBS	+= -lpq -lcrypto -ldl
$(OBJ)/core/cli/db.o $(OBJ)/core/cli/audit.o $(OBJ)/core/cli/user.o \
    $(OBJ)/core/cli/keys.o: CFLAGS += -I/usr/include/postgresql
