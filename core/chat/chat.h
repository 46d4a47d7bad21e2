/*
 * Live chat and pushed notices over /ws (ws.c), fanned out between nodes
 * with PostgreSQL NOTIFY (channels hs_chat and hs_push).
 */
#ifndef HS_CHAT_H
#define HS_CHAT_H

/* A notification on hs_chat or hs_push: pass it to this worker's sockets. */
void	hs_chat_notify(const char *channel, const char *payload);

/* The LISTEN connection dropped: clients must resume from history. */
void	hs_chat_reset(void);

#endif
