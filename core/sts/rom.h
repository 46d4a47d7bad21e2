/*
 * Constant tables: in flash on an AVR (where plain const data would be
 * copied into the 2 KiB of RAM at start-up), ordinary const data elsewhere,
 * aligned to a cache line on hosts so that a table of 64 bytes or less
 * occupies exactly one line.  Private to core/sts.
 */
#ifndef HS_STS_ROM_H
#define HS_STS_ROM_H

#if defined(__AVR__)
#include <avr/pgmspace.h>
#define HS_STS_ROM		PROGMEM
#define HS_STS_LINE_ALIGN
#define hs_sts_rom8(p)		pgm_read_byte(p)
#define hs_sts_rom16(p)		pgm_read_word(p)
#else
#define HS_STS_ROM
#if defined(__GNUC__)
#define HS_STS_LINE_ALIGN	__attribute__((aligned(64)))
#else
#define HS_STS_LINE_ALIGN
#endif
#define hs_sts_rom8(p)		(*(p))
#define hs_sts_rom16(p)		(*(p))
#endif

#endif /* HS_STS_ROM_H */
