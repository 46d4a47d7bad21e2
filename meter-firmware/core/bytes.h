/*
 * Big-endian field access for frames and EEPROM records.  Inline so each
 * user pays only for the widths it uses.
 */
#ifndef HS_BYTES_H
#define HS_BYTES_H

#include <stdint.h>

static inline void
hs_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
hs_put24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

static inline void
hs_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t
hs_get16(const uint8_t *p)
{
	return ((uint16_t)((uint16_t)p[0] << 8 | p[1]));
}

static inline uint32_t
hs_get24(const uint8_t *p)
{
	return ((uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]);
}

static inline uint32_t
hs_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

#endif /* HS_BYTES_H */
