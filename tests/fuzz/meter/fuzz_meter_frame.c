/*
 * Fuzz the frame parser and every message handler: the input is the
 * byte stream a BLE central could send.  The first byte selects debug
 * mode, so DEBUG_PULSES (flow, valve, alerts) is reached too.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hal.h"
#include "meter.h"
#include "proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t	nv[HS_HAL_NV_SIZE];
static size_t	sent;

void
hs_hal_nv_read(uint16_t a, void *b, uint16_t n)
{
	if ((size_t)a + n > sizeof(nv))
		__builtin_trap();
	memcpy(b, nv + a, n);
}

void
hs_hal_nv_write(uint16_t a, const void *b, uint16_t n)
{
	if ((size_t)a + n > sizeof(nv))
		__builtin_trap();
	memcpy(nv + a, b, n);
}

void
hs_hal_valve(uint8_t open)
{
	(void)open;
}

void
hs_hal_link_write(const uint8_t *b, uint8_t n)
{
	/* Every reply must be a well-formed frame of at most 20 bytes. */
	if (n < 6 || n > 20 || b[0] != 0xA5 || b[1] + 6 != n)
		__builtin_trap();
	sent += n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hs_meter		m;
	static struct hs_proto		p;
	struct hs_meter_provision	prov;
	int				i;

	if (size < 1)
		return (0);
	memset(&prov, 0, sizeof(prov));
	prov.conf.meter_id = 0x01020304;
	for (i = 0; i < 16; i++) {
		prov.conf.key[i] = (uint8_t)i;
		prov.dk[i] = (uint8_t)(0x10 + i);
	}
	prov.conf.pulses_per_l = 1;
	prov.conf.low_credit_l = 50;
	prov.conf.commit_l = 10;
	prov.ea = HS_STS_EA11;
	prov.kt = HS_STS_KT_DUTK;
	prov.ken = HS_STS_KEN_NONE;
	prov.credit_l = 100;
	hs_meter_provision(&prov);
	if (hs_meter_boot(&m, NULL) != 0)
		__builtin_trap();
	hs_proto_init(&p, &m, data[0] & 1);
	hs_proto_input(&p, data + 1, size - 1);
	hs_proto_alerts(&p);
	return (0);
}
