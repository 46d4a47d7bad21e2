/*
 * Public STS and RFC 2994 vectors, copied into the tests so nothing at
 * build or run time reads outside the repository.  Sources: the IEC sample
 * STA example, STSA conformance scenarios CTSA01/CTSA01_04/CTSA25, RFC
 * 2994, and the STSA web page CRC example.
 */
#ifndef HS_STS_TEST_VECTORS_H
#define HS_STS_TEST_VECTORS_H

#include <stdint.h>
#include <string.h>

#include "sts/sts.h"

/* IEC 62055-41 sample tables (test only). */
static const uint8_t iec_s1[16] = {
	12, 10, 8, 4, 3, 15, 0, 2, 14, 1, 5, 13, 6, 9, 7, 11
};
static const uint8_t iec_s2[16] = {
	6, 9, 7, 4, 3, 10, 12, 14, 2, 13, 1, 15, 0, 11, 8, 5
};
static const uint8_t iec_p[64] = {
	29, 27, 34, 9, 16, 62, 55, 2, 40, 49, 38, 25, 33, 61, 30, 23,
	1, 41, 21, 57, 42, 15, 5, 58, 19, 53, 22, 17, 48, 28, 24, 39,
	3, 60, 36, 14, 11, 52, 54, 12, 31, 51, 10, 26, 0, 45, 37, 43,
	44, 6, 59, 4, 7, 35, 56, 50, 13, 18, 32, 47, 46, 63, 20, 8
};
static const char iec_table_text[] =
    "# IEC sample tables, tests only\n"
    "S1 = 12,10,8,4,3,15,0,2,14,1,5,13,6,9,7,11\n"
    "S2 = 6,9,7,4,3,10,12,14,2,13,1,15,0,11,8,5\n"
    "P = 29,27,34,9,16,62,55,2,40,49,38,25,33,61,30,23,1,41,21,57,42,15,"
    "5,58,19,53,22,17,48,28,24,39,3,60,36,14,11,52,54,12,31,51,10,26,0,"
    "45,37,43,44,6,59,4,7,35,56,50,13,18,32,47,46,63,20,8\n";

/* IEC sample STA example. */
static const uint8_t iec_dk[8] = {
	0x0A, 0xBC, 0x12, 0xDE, 0xF3, 0x45, 0x67, 0x89
};
static const uint8_t iec_plain[8] = {
	0x0B, 0x19, 0xEB, 0x23, 0x01, 0x00, 0xC2, 0x07
};
static const uint8_t iec_cipher[8] = {
	0xC4, 0x5E, 0xD1, 0x61, 0x94, 0x06, 0xDF, 0x95
};
/* 66-bit 0x2C45ED1618406DF95 */
static const uint8_t iec_number[9] = {
	0x02, 0xC4, 0x5E, 0xD1, 0x61, 0x84, 0x06, 0xDF, 0x95
};
#define IEC_TOKEN	"51043465443420856213"

/* RFC 2994. */
static const uint8_t rfc_key[16] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff
};
static const uint8_t rfc_plain[8] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef
};
static const uint8_t rfc_cipher[8] = {
	0x8b, 0x1d, 0xa5, 0xf5, 0x6a, 0xb3, 0xd0, 0x7c
};

/* CTSA01 data block: 2004-03-01 13:55, base 1993, 0.1 kWh, RND 5. */
#define CTSA01_TID	5871715UL
static const uint8_t ctsa01_block[8] = {
	0x05, 0x59, 0x98, 0x63, 0x00, 0x01, 0x19, 0xE6
};

/* DKGA02: VK abab.., SGC 123456, TI 01, KRN 1, KT 2. */
static const uint8_t dkga02_vk[8] = {
	0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab
};
static const uint8_t dkga02_dk1[8] = {	/* PAN 600727000000000009 */
	0xE6, 0x53, 0x34, 0x1F, 0x9D, 0x5B, 0xF3, 0x6F
};
static const uint8_t dkga02_dk2[8] = {	/* PAN 000001000000000082 */
	0xE9, 0x40, 0x23, 0x26, 0x2E, 0x99, 0x93, 0xC2
};

/* DKGA04: 160-bit VK, SGC 123457, TI 01, KRN 1, KT 2, base 1993. */
static const uint8_t dkga04_vk[20] = {
	0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
	0x94, 0x94, 0x94, 0x94, 0x94, 0x94, 0x94, 0x94,
	0x01, 0x23, 0x45, 0x67
};
static const uint8_t dkga04_misty_dk[16] = {
	0xf9, 0x4b, 0x6e, 0xd3, 0x53, 0xc3, 0xbf, 0xdb,
	0x11, 0x3e, 0x2d, 0x3a, 0x7e, 0xa3, 0xc4, 0x1d
};
static const uint8_t dkga04_sta_dk[8] = {
	0xAA, 0x4B, 0xAA, 0x87, 0x49, 0xC1, 0x0D, 0x27
};
/* CTSA01_04: class 0, 0.1 kWh, 2004-03-01 13:00 UTC, RND 5, EA11. */
#define CTSA01_04_TOKEN	"59386323472137426967"

/* Helpers shared by the test programs. */
static inline void
test_sta_table(struct hs_sts_sta_table *t)
{
	(void)hs_sts_sta_table_init(t, iec_s1, iec_s2, iec_p, NULL);
}

static inline void
test_key_misty(struct hs_sts_key *k)
{
	memset(k, 0, sizeof(*k));
	k->ea = HS_STS_EA11;
	memcpy(k->dk, dkga04_misty_dk, 16);
}

static inline void
test_key_sta(struct hs_sts_key *k, const struct hs_sts_sta_table *t)
{
	memset(k, 0, sizeof(*k));
	k->ea = HS_STS_EA07;
	memcpy(k->dk, iec_dk, 8);
	k->sta = t;
}

#endif
