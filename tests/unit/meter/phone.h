/*
 * A scripted phone for protocol tests: builds request frames (with the
 * session MAC when a session is up) and reads the meter's replies.
 */
#ifndef TEST_PHONE_H
#define TEST_PHONE_H

#include "nvsim.h"

struct phone {
	struct hs_proto	*p;
	uint8_t		kx[16];		/* K or a grant key */
	uint8_t		ks[16];
	uint8_t		nm[8], np[8];
	uint8_t		seq;
	size_t		off;		/* next unread byte of link_buf */
};

/* Send a raw request; with mac != 0 append the session MAC. */
void	phone_send(struct phone *ph, uint8_t type, const uint8_t *b, uint8_t n,
	    int mac);
/* Next reply frame; fails the test when none. */
void	phone_reply(struct phone *ph, struct hs_frame *f);
/* HELLO (+ GRANT when body != NULL) + AUTH; returns the AUTH reply type. */
uint8_t	phone_open(struct phone *ph, struct hs_proto *p, const uint8_t kx[16],
	    const uint8_t *grant_body);
/* 1 when the reply's trailing MAC verifies under ks. */
int	phone_mac_ok(const struct phone *ph, const struct hs_frame *f);

#endif
