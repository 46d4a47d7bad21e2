# CSV import and export.  The Kore module compiles core/api/*.c by
# wildcard (core/server/server.mk); the parser and the import's checks
# are plain C, so `hydrosync import` links the same objects.
CLI_SRCS	+= core/api/csv_parse.c core/api/import.c core/cli/import.c
$(OBJ)/core/cli/import.o: CFLAGS += -I/usr/include/postgresql
