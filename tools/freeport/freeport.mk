$(BIN)/freeport: $(OBJ)/tools/freeport/freeport.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^
PROGRAMS	+= $(BIN)/freeport
