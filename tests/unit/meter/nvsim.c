/*
 * Test board for the meter core (see nvsim.h).
 */
#include <string.h>

#include "nvsim.h"

uint8_t	nv_mem[HS_HAL_NV_SIZE];
long	nv_budget = -1;
long	nv_written;
int	valve_state = -1;
int	valve_calls;
uint8_t	link_buf[4096];
size_t	link_len;

const uint8_t test_k[16] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f
};

void
hs_hal_nv_read(uint16_t addr, void *buf, uint16_t len)
{
	if ((size_t)addr + len > sizeof(nv_mem))
		abort_test("nv read out of range");
	memcpy(buf, nv_mem + addr, len);
}

void
hs_hal_nv_write(uint16_t addr, const void *buf, uint16_t len)
{
	const uint8_t	*p = buf;
	uint16_t	i;

	if ((size_t)addr + len > sizeof(nv_mem))
		abort_test("nv write out of range");
	for (i = 0; i < len; i++) {
		if (nv_budget == 0)
			return;		/* the power is gone */
		if (nv_budget > 0)
			nv_budget--;
		nv_mem[addr + i] = p[i];
		nv_written++;
	}
}

void
hs_hal_valve(uint8_t open)
{
	valve_state = open;
	valve_calls++;
}

void
hs_hal_link_write(const uint8_t *buf, uint8_t len)
{
	if (link_len + len <= sizeof(link_buf)) {
		memcpy(link_buf + link_len, buf, len);
		link_len += len;
	}
}

void
nv_reset(void)
{
	nv_budget = -1;
	nv_written = 0;
	valve_state = -1;
	valve_calls = 0;
	link_len = 0;
}

static struct hs_sts_sta_table	sta_table;
static struct hs_sts_key	key11, key07;

const struct hs_sts_sta_table *
test_sta(void)
{
	static const uint8_t s1[16] = { 12, 10, 8, 4, 3, 15, 0, 2, 14, 1,
	    5, 13, 6, 9, 7, 11 };
	static const uint8_t s2[16] = { 6, 9, 7, 4, 3, 10, 12, 14, 2, 13,
	    1, 15, 0, 11, 8, 5 };
	static const uint8_t p[64] = { 29, 27, 34, 9, 16, 62, 55, 2, 40, 49,
	    38, 25, 33, 61, 30, 23, 1, 41, 21, 57, 42, 15, 5, 58, 19, 53, 22,
	    17, 48, 28, 24, 39, 3, 60, 36, 14, 11, 52, 54, 12, 31, 51, 10, 26,
	    0, 45, 37, 43, 44, 6, 59, 4, 7, 35, 56, 50, 13, 18, 32, 47, 46,
	    63, 20, 8 };

	if (hs_sts_sta_table_init(&sta_table, s1, s2, p, NULL) != HS_STS_OK)
		abort_test("sta tables");
	return (&sta_table);
}

struct hs_sts_key *
test_sts_key(uint8_t ea)
{
	static const uint8_t dk07[8] = { 0x0A, 0xBC, 0x12, 0xDE, 0xF3, 0x45,
	    0x67, 0x89 };
	int	i;

	if (ea == HS_STS_EA07) {
		memset(&key07, 0, sizeof(key07));
		key07.ea = HS_STS_EA07;
		memcpy(key07.dk, dk07, 8);
		key07.sta = test_sta();
		return (&key07);
	}
	key11.ea = HS_STS_EA11;
	for (i = 0; i < 16; i++)
		key11.dk[i] = (uint8_t)(0x10 + i);
	key11.sta = NULL;
	return (&key11);
}

void
test_provision(uint8_t ea, uint8_t kt, uint8_t ken, uint32_t credit)
{
	struct hs_meter_provision	p;
	struct hs_sts_key		*k = test_sts_key(ea);

	memset(&p, 0, sizeof(p));
	p.conf.meter_id = 0x01020304;
	memcpy(p.conf.key, test_k, 16);
	p.conf.pulses_per_l = 1;
	p.conf.low_credit_l = 50;
	p.conf.commit_l = 10;
	p.ea = ea;
	p.kt = kt;
	p.ken = ken;
	p.sgc = 123457;
	memcpy(p.dk, k->dk, 16);
	p.credit_l = credit;
	p.unix_time = 1700000000UL;
	memset(nv_mem, 0xFF, sizeof(nv_mem));
	hs_meter_provision(&p);
}

void
test_boot(struct hs_meter *m)
{
	if (hs_meter_boot(m, test_sta()) != 0)
		abort_test("boot failed");
}

void
tok_water(uint8_t ea, uint32_t tid, uint32_t units, char out[21])
{
	struct hs_sts_plain	p;

	if (hs_sts_plain_credit(&p, HS_STS_C0_WATER, 3, tid, units) !=
	    HS_STS_OK || hs_sts_encode(test_sts_key(ea), &p, out) != HS_STS_OK)
		abort_test("token encode");
}

void
tok_mgmt(uint8_t ea, uint8_t sub, uint32_t tid, uint32_t v, char out[21])
{
	struct hs_sts_plain	p;

	if (hs_sts_plain_mgmt(&p, sub, 3, tid, v) != HS_STS_OK ||
	    hs_sts_encode(test_sts_key(ea), &p, out) != HS_STS_OK)
		abort_test("mgmt token encode");
}

void
tok_number(const char *digits, uint8_t out[9])
{
	struct hs_sts_number	n;

	if (hs_sts_number_parse(&n, digits, 20) != HS_STS_OK)
		abort_test("token number");
	memcpy(out, n.b, 9);
}

int
link_next(size_t *off, struct hs_frame *f)
{
	struct hs_frame_rx	rx;
	enum hs_frame_ev	ev;

	hs_frame_rx_init(&rx);
	while (*off < link_len) {
		hs_frame_rx_push(&rx, link_buf[(*off)++]);
		while ((ev = hs_frame_rx_next(&rx, f)) != HS_FRAME_NONE) {
			if (ev == HS_FRAME_OK)
				return (1);
		}
	}
	return (0);
}
