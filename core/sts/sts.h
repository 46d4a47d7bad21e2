/*
 * HydroSync STS token engine (IEC 62055-41 compatible 20-digit tokens).
 *
 * This header is the whole contract: a meter firmware or a vending server
 * needs nothing else to build, encrypt, format, parse, decrypt and check
 * tokens.  Everything declared here is portable C99 without malloc, stdio
 * or time.h, and has no writable globals, so it builds with avr-gcc for an
 * ATmega328P.  The one exception is the decoder key generation section at
 * the end (DKGA02/DKGA04, file dkga.c), which needs OpenSSL and belongs on
 * the vending server only: a meter never derives keys.
 *
 * Terms (the standard's abbreviations):
 *   DK   decoder key, per meter.  EA07 (STA) uses 64 bits, EA11 (MISTY1) 128.
 *   VK   vending key, per supply group; input to DKGA02 (64 bit) / DKGA04
 *        (160 bit).
 *   TID  token identifier: minutes since a base date (1993, 2014 or 2035),
 *        24 bits.  Used against replay.
 *   KEN  key expiry number: tokens with (TID >> 16) > KEN are refused;
 *        KEN 0xFF disables the check.
 *   KCT  key change token: 2 sections (EA07) or 4 sections (EA11).
 *   KT   key type: 0 DITK (factory), 1 DDTK (default: credit refused),
 *        2 DUTK (unique), 3 DCTK (common).
 *   KRN  key revision number (4 bits).  TI tariff index (0..99).
 *   SGC  supply group code (6 decimal digits).
 *   PAN  primary account number: IIN + IAIN (the meter's DRN) + Luhn digit.
 *
 * Data flow.  Vending: hs_sts_plain_* fill a struct hs_sts_plain, then
 * hs_sts_encode() packs it into the 64-bit block with its CRC, encrypts it
 * (not for class 1), moves the class bits in and prints 20 digits.
 * Meter: hs_sts_meter_decode() parses the digits, decrypts, checks the CRC,
 * the key type, key expiry and the TID store, tracks key change sections,
 * and returns a struct hs_sts_result whose code is an enum hs_sts_rc.
 * hs_sts_open() is the same without any meter state (for tools).
 *
 * Units.  Amounts are integers in the smallest step of their subclass:
 * 0.1 kWh, 0.1 m3 or 0.1 minute for class 0 subclasses 0..3, 0.00001 of the
 * base currency for subclasses 4..7, watts for the class 2 power limits.
 * A 64-bit block is always 8 bytes, most significant byte first.
 *
 * Compatibility.  Bit layouts, CRC, amount coding, class transposition,
 * TID, KEN, STA, MISTY1, DKGA02 and DKGA04 reproduce the public STS
 * conformance vectors.  The currency subclasses (4..7, 5-bit exponent in the
 * RND field, CRC over an extra 0x01 byte) follow a single public source.
 * This engine is STS-compatible, not STS-certified: real deployments need
 * STSA keys and, for EA07, the STSA's licensed tables; only the IEC sample
 * tables, marked for tests, ship with it.
 */
#ifndef HS_STS_H
#define HS_STS_H

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------
 * Status codes of the building blocks (not of the meter decoder).
 */
enum hs_sts_err {
	HS_STS_OK = 0,
	HS_STS_E_ARG,		/* NULL pointer or an argument out of its domain */
	HS_STS_E_DIGIT,		/* a character that is not a decimal digit */
	HS_STS_E_LENGTH,	/* wrong number of digits */
	HS_STS_E_RANGE,		/* a value does not fit its field */
	HS_STS_E_CHECK,		/* Luhn check digit does not match */
	HS_STS_E_CLASS,		/* class/subclass not valid for the operation */
	HS_STS_E_KEY,		/* unknown EA, or EA07 without STA tables */
	HS_STS_E_CRC,		/* the block's CRC does not match its contents */
	HS_STS_E_TABLE		/* STA table text invalid (see hs_sts_sta_diag) */
};

/* A short English description of an error code (static string). */
const char	*hs_sts_err_str(enum hs_sts_err);

/* ------------------------------------------------------------------------
 * Token classes, subclasses, algorithms, key types, base dates.
 */
#define HS_STS_CLASS_CREDIT		0	/* transfer credit, encrypted */
#define HS_STS_CLASS_TEST		1	/* test/display, NOT encrypted */
#define HS_STS_CLASS_MGMT		2	/* meter-specific management */

/* Class 0 subclasses. */
#define HS_STS_C0_ELECTRICITY		0	/* 0.1 kWh */
#define HS_STS_C0_WATER			1	/* 0.1 m3 */
#define HS_STS_C0_GAS			2	/* 0.1 m3 */
#define HS_STS_C0_TIME			3	/* 0.1 minute */
#define HS_STS_C0_ELECTRICITY_CURRENCY	4	/* 0.00001 currency unit */
#define HS_STS_C0_WATER_CURRENCY	5
#define HS_STS_C0_GAS_CURRENCY		6
#define HS_STS_C0_TIME_CURRENCY		7

/* Class 1 subclasses. */
#define HS_STS_C1_TEST_MFR2		0	/* 36-bit control, 8-bit MfrCode */
#define HS_STS_C1_TEST_MFR4		1	/* 28-bit control, 16-bit MfrCode */

/* Class 2 subclasses. */
#define HS_STS_C2_MAX_POWER		0	/* watts, amount-coded */
#define HS_STS_C2_CLEAR_CREDIT		1	/* register id, 0xFFFF = all */
#define HS_STS_C2_TARIFF_RATE		2	/* 16-bit rate */
#define HS_STS_C2_KCT1			3	/* key change section 1 */
#define HS_STS_C2_KCT2			4	/* key change section 2 */
#define HS_STS_C2_CLEAR_TAMPER		5	/* pad, must be 0 */
#define HS_STS_C2_MAX_PHASE_UNBALANCE	6	/* watts, amount-coded */
#define HS_STS_C2_WATER_FACTOR		7	/* 16-bit factor */
#define HS_STS_C2_KCT3			8	/* key change section 3 (EA11) */
#define HS_STS_C2_KCT4			9	/* key change section 4 (EA11) */

/* ClearCredit register ids. */
#define HS_STS_REGISTER_ALL		0xFFFF

/* Encryption algorithms. */
#define HS_STS_EA07			7	/* STA, 64-bit key, tables needed */
#define HS_STS_EA11			11	/* MISTY1, 128-bit key */

/* Key types. */
#define HS_STS_KT_DITK			0	/* initialisation (factory only) */
#define HS_STS_KT_DDTK			1	/* default: refuses credit */
#define HS_STS_KT_DUTK			2	/* unique per meter */
#define HS_STS_KT_DCTK			3	/* common to a supply group */

/* TID base dates (1 January, 00:00 UTC of that year). */
#define HS_STS_BASE_1993		1993
#define HS_STS_BASE_2014		2014
#define HS_STS_BASE_2035		2035

#define HS_STS_TOKEN_DIGITS		20
#define HS_STS_TOKEN_BUFSZ		21	/* 20 digits and a NUL */
#define HS_STS_TID_MAX			0xFFFFFFUL
#define HS_STS_KEN_NONE			0xFF	/* KEN that disables expiry */

/* ------------------------------------------------------------------------
 * Constant-time helpers.  Key material is compared only with
 * hs_sts_ct_equal(), and every key schedule the library builds on the
 * stack is erased with hs_sts_wipe() before returning.
 */

/* 1 if the n bytes at a and b are equal, 0 otherwise; the time taken
 * depends on n only. */
int		hs_sts_ct_equal(const void *a, const void *b, size_t n);

/* Set n bytes at p to zero through a volatile pointer, so the compiler
 * cannot drop the store as dead. */
void		hs_sts_wipe(void *p, size_t n);

/* ------------------------------------------------------------------------
 * CRC-16 (CRC-16/MODBUS: reflected 0xA001, init 0xFFFF) over n bytes,
 * returned byte-swapped, i.e. as the value stored in bits 15..0 of a
 * token block.  Example: {00 00 4A 2D 90 0F F2} gives 0x0FFA.
 */
uint16_t	hs_sts_crc16(const uint8_t *p, size_t n);

/* ------------------------------------------------------------------------
 * Amount coding: a 16-bit field, 2-bit exponent e and 14-bit mantissa m,
 * value = m * 10^e + sum(n = 1..e) 16384 * 10^(n-1), in 0.1 steps of the
 * subclass unit.  Encoding rounds up (the customer gets at least what was
 * paid for).  The same coding carries watts in class 2 subclasses 0 and 6.
 */
#define HS_STS_AMOUNT_MAX		18201624UL	/* code 0xFFFF */

/* Encode units (0..HS_STS_AMOUNT_MAX) into *code, rounding up to the next
 * representable value.  HS_STS_E_RANGE above the maximum. */
enum hs_sts_err	hs_sts_amount_encode(uint32_t units, uint16_t *code);

/* The units a code stands for (always <= HS_STS_AMOUNT_MAX). */
uint32_t	hs_sts_amount_decode(uint16_t code);

/*
 * Currency amounts (class 0 subclasses 4..7; single public source): a
 * 5-bit exponent e, e1e0 in code bits 15..14 and e4e3e2 in bits 2..0 of the
 * 4-bit S&E value that replaces RND, whose bit 3 is the sign.  The value
 * is m * 10^e + sum(n = 1..e) 16384 * 10^(n-1) in 0.00001 currency units.
 */

/* Encode units (rounded up) and the sign into *code and *se. */
enum hs_sts_err	hs_sts_currency_encode(uint64_t units, int negative,
		    uint16_t *code, uint8_t *se);

/* Decode; HS_STS_E_RANGE when the value does not fit 64 bits. */
enum hs_sts_err	hs_sts_currency_decode(uint16_t code, uint8_t se,
		    uint64_t *units, int *negative);

/* ------------------------------------------------------------------------
 * Units of the amount or value a token carries.
 */
enum hs_sts_unit {
	HS_STS_UNIT_NONE = 0,	/* no amount (register ids, rates, tests) */
	HS_STS_UNIT_KWH,	/* amount in 0.1 kWh */
	HS_STS_UNIT_M3,		/* amount in 0.1 m3 (water or gas) */
	HS_STS_UNIT_MINUTE,	/* amount in 0.1 minute (time credit) */
	HS_STS_UNIT_CURRENCY,	/* amount in 0.00001 base currency unit */
	HS_STS_UNIT_WATT	/* amount in whole watts */
};

/* The unit of the amount carried by a class/subclass (HS_STS_UNIT_NONE when
 * it carries none). */
enum hs_sts_unit hs_sts_unit_of(uint8_t tclass, uint8_t subclass);

/* Symbol for display: "kWh", "m3", "min", "currency", "W" or "". */
const char	*hs_sts_unit_symbol(enum hs_sts_unit);

/* Number of decimal places of one step: 1 (0.1), 5 (0.00001) or 0. */
unsigned	hs_sts_unit_decimals(enum hs_sts_unit);

/* ------------------------------------------------------------------------
 * Dates and TIDs.  Pure integer arithmetic on the proleptic Gregorian
 * calendar in UTC; no time.h.
 */
struct hs_sts_utc {
	int	year;		/* 1900..9999 */
	int	month;		/* 1..12 */
	int	day;		/* 1..31, checked against the month */
	int	hour;		/* 0..23 */
	int	minute;		/* 0..59 */
	int	second;		/* 0..59, ignored by the TID (whole minutes) */
};

/* Days from 1970-01-01 to y-m-d (negative before).  Inputs are not
 * validated; use hs_sts_utc_valid() first. */
int32_t		hs_sts_days_from_civil(int32_t y, int m, int d);

/* The inverse of hs_sts_days_from_civil(). */
void		hs_sts_civil_from_days(int32_t days, int32_t *y, int *m,
		    int *d);

/* 1 if every field of *t is in range (including days per month). */
int		hs_sts_utc_valid(const struct hs_sts_utc *t);

/* 1 if base is 1993, 2014 or 2035. */
int		hs_sts_base_valid(int base);

/* TID = whole minutes from base-01-01T00:00Z to *t.  HS_STS_E_ARG for an
 * invalid date or base, HS_STS_E_RANGE before the base date or past the
 * last TID (base 1993: 2024-11-24T20:15Z is TID 0xFFFFFF). */
enum hs_sts_err	hs_sts_tid_from_utc(int base, const struct hs_sts_utc *t,
		    uint32_t *tid);

/* The UTC minute a TID stands for (second = 0). */
enum hs_sts_err	hs_sts_tid_to_utc(int base, uint32_t tid,
		    struct hs_sts_utc *t);

/* Key expiry rule: 0 when (tid >> 16) > ken and ken != 0xFF, else 1. */
int		hs_sts_ken_allows(uint8_t ken, uint32_t tid);

/* ------------------------------------------------------------------------
 * STA (EA07) tables and cipher.  The tables are data the caller supplies
 * (they are licensed by the STSA); hs_sts_sta_parse() reads the text form
 *
 *	S1 = 16 comma-separated values (a permutation of 0..15)
 *	S2 = 16 comma-separated values (a permutation of 0..15)
 *	P  = 64 comma-separated values (a permutation of 0..63)
 *
 * one definition per line, in any order; blank lines and lines starting
 * with '#' are ignored; spaces and tabs are allowed around '=' and ','.
 */
struct hs_sts_sta_table {
	uint8_t		s1[16];		/* substitution box 1 */
	uint8_t		s2[16];		/* substitution box 2 */
	uint8_t		s1inv[16];	/* inverse of s1 (derived) */
	uint8_t		s2inv[16];	/* inverse of s2 (derived) */
	uint8_t		p[64];		/* output bit p[i] = input bit i */
};

/* What was wrong with a table text (or arrays), and where. */
enum hs_sts_sta_fault {
	HS_STS_STA_OK = 0,
	HS_STS_STA_SYNTAX,	/* unexpected character at line/column */
	HS_STS_STA_NAME,	/* a line defines something other than S1/S2/P */
	HS_STS_STA_DUPLICATE,	/* S1, S2 or P defined twice */
	HS_STS_STA_MISSING,	/* S1, S2 or P not defined (which = name) */
	HS_STS_STA_COUNT,	/* wrong number of values (index = count seen) */
	HS_STS_STA_VALUE,	/* value out of range (index, value) */
	HS_STS_STA_REPEAT	/* value repeated: not a permutation */
};

struct hs_sts_sta_diag {
	enum hs_sts_sta_fault	fault;
	unsigned		line;	/* 1-based line, 0 if not tied to one */
	unsigned		column;	/* 1-based column for SYNTAX */
	const char		*which;	/* "S1", "S2", "P" or NULL */
	unsigned		index;	/* 0-based position of the value */
	unsigned long		value;	/* the offending value */
};

/* A static English phrase for a fault, e.g. "value repeated (not a
 * permutation)"; the caller adds line/which/index/value. */
const char	*hs_sts_sta_fault_str(enum hs_sts_sta_fault);

/* Validate three arrays and fill *tab (inverses included).  On error
 * returns HS_STS_E_TABLE and describes it in *diag (may be NULL). */
enum hs_sts_err	hs_sts_sta_table_init(struct hs_sts_sta_table *tab,
		    const uint8_t s1[16], const uint8_t s2[16],
		    const uint8_t p[64], struct hs_sts_sta_diag *diag);

/* Parse the text form (len bytes at text, no NUL needed) into *tab. */
enum hs_sts_err	hs_sts_sta_parse(struct hs_sts_sta_table *tab,
		    const char *text, size_t len,
		    struct hs_sts_sta_diag *diag);

/* Encrypt / decrypt one 8-byte block in place with the 8-byte DK
 * (big-endian DK64).  The S-box choice is a mask select, not a branch. */
void		hs_sts_sta_encrypt(const struct hs_sts_sta_table *tab,
		    const uint8_t dk[8], uint8_t block[8]);
void		hs_sts_sta_decrypt(const struct hs_sts_sta_table *tab,
		    const uint8_t dk[8], uint8_t block[8]);

/* ------------------------------------------------------------------------
 * MISTY1 (EA11, RFC 2994).  Block and key bytes in RFC order.
 */
struct hs_sts_misty1 {
	uint16_t	ek[16];		/* expanded key; wipe after use */
};

void		hs_sts_misty1_init(struct hs_sts_misty1 *ks,
		    const uint8_t key[16]);
void		hs_sts_misty1_encrypt(const struct hs_sts_misty1 *ks,
		    const uint8_t in[8], uint8_t out[8]);
void		hs_sts_misty1_decrypt(const struct hs_sts_misty1 *ks,
		    const uint8_t in[8], uint8_t out[8]);

/* ------------------------------------------------------------------------
 * Decoder keys.
 */
struct hs_sts_key {
	uint8_t		ea;	/* HS_STS_EA07 or HS_STS_EA11 */
	uint8_t		dk[16];	/* EA07: dk[0..7] = DK64 big-endian; EA11: 16 */
	const struct hs_sts_sta_table *sta;	/* EA07 only, else NULL */
};

/* Bytes of DK an algorithm uses: 8 (EA07), 16 (EA11), 0 if unknown. */
size_t		hs_sts_key_len(uint8_t ea);

/* Constant-time comparison of the algorithm and DK bytes: 1 if equal. */
int		hs_sts_key_equal(const struct hs_sts_key *a,
		    const struct hs_sts_key *b);

/* Encrypt / decrypt a 64-bit block in place under a key.  HS_STS_E_KEY for
 * an unknown EA or EA07 without tables. */
enum hs_sts_err	hs_sts_block_encrypt(const struct hs_sts_key *k,
		    uint8_t block[8]);
enum hs_sts_err	hs_sts_block_decrypt(const struct hs_sts_key *k,
		    uint8_t block[8]);

/* ------------------------------------------------------------------------
 * The 66-bit token number: 20 decimal digits <-> 9 bytes (big-endian,
 * bits 71..66 zero), and the class-bit transposition (class goes to bits
 * 28..27 of the block, the bits it displaces to bits 65..64).  Done with
 * byte-array multiply/divide by 10, so no 128-bit integers are needed.
 */
struct hs_sts_number {
	uint8_t		b[9];
};

/* Parse exactly 20 decimal digits.  HS_STS_E_DIGIT for any other
 * character, HS_STS_E_LENGTH for another count, HS_STS_E_RANGE if the
 * value is 2^66 or more. */
enum hs_sts_err	hs_sts_number_parse(struct hs_sts_number *n,
		    const char *s, size_t len);

/* Write 20 digits and a NUL into out (HS_STS_TOKEN_BUFSZ bytes). */
void		hs_sts_number_format(const struct hs_sts_number *n,
		    char out[HS_STS_TOKEN_BUFSZ]);

/* Token number from a class (0..3) and an 8-byte (encrypted) block. */
void		hs_sts_number_join(struct hs_sts_number *n, uint8_t tclass,
		    const uint8_t block[8]);

/* The class (return value, 0..3) and the block, undoing the join. */
uint8_t		hs_sts_number_split(const struct hs_sts_number *n,
		    uint8_t block[8]);

/* ------------------------------------------------------------------------
 * Plain token contents (the decrypted 64-bit block, plus the class).
 * Which fields are meaningful depends on class and subclass:
 *
 *   class 0 (all), class 2 subclasses 0,1,2,5,6,7 ("register" layout):
 *	subclass(4) rnd(4) tid(24) data(16) crc(16)
 *	data is the amount code (class 0; class 2 sub 0 and 6) or the raw
 *	register / rate / factor / pad.  For currency (class 0 sub 4..7) the
 *	rnd field holds S&E (see hs_sts_currency_encode()).
 *   class 1 sub 0: subclass(4) control(36) mfrcode(8) crc(16)
 *   class 1 sub 1: subclass(4) control(28) mfrcode(16) crc(16)
 *   class 2 sub 3,4,8,9 (key change): see struct hs_sts_kct_section.
 */
struct hs_sts_kct_section {
	uint8_t		section;	/* 1..4 (subclass 3, 4, 8, 9) */
	uint8_t		ken_half;	/* sec 1: KEN bits 7..4; sec 2: 3..0 */
	uint8_t		krn;		/* sec 1: new key revision, 0..15 */
	uint8_t		ro;		/* sec 1: rollover, clears TID store */
	uint8_t		reserved;	/* sec 1: bit 50, sent as 0 */
	uint8_t		kt;		/* sec 1: new key type, 0..3 */
	uint8_t		ti;		/* sec 2: new tariff index, 0..99 */
	uint16_t	sgc_half;	/* sec 3: SGC bits 11..0; sec 4: 23..12 */
	uint32_t	nk;		/* 32 bits of the new key (see below) */
};
/*
 * New key bits per section: EA07: section 1 = DK bytes 0..3, section 2 =
 * bytes 4..7.  EA11: section 1 = bytes 0..3, section 3 = bytes 4..7,
 * section 4 = bytes 8..11, section 2 = bytes 12..15.
 */

struct hs_sts_plain {
	uint8_t		tclass;		/* 0..3 (3 is reserved: never valid) */
	uint8_t		subclass;	/* 0..15 */
	uint8_t		rnd;		/* register layout: RND or S&E */
	uint32_t	tid;		/* register layout: 24-bit TID */
	uint16_t	data;		/* register layout: 16-bit payload */
	uint64_t	control;	/* class 1: control field */
	uint16_t	mfrcode;	/* class 1: manufacturer code */
	struct hs_sts_kct_section kct;	/* class 2 sub 3, 4, 8, 9 */
	uint16_t	crc;		/* CRC field as found / computed */
};

/* 1 if class/subclass use the register layout and so carry a TID. */
int		hs_sts_has_tid(uint8_t tclass, uint8_t subclass);

/* 1 if class 2 subclass s is a key change section (3, 4, 8 or 9). */
int		hs_sts_is_kct(uint8_t tclass, uint8_t subclass);

/* Fill *p as a class 0 credit token.  units is in the subclass's unit
 * (0.1 kWh, 0.1 m3, 0.1 min, 0.00001 currency) and is rounded up to the
 * next representable value.  rnd (0..15) is ignored for currency. */
enum hs_sts_err	hs_sts_plain_credit(struct hs_sts_plain *p, uint8_t subclass,
		    uint8_t rnd, uint32_t tid, uint64_t units);

/* Fill *p as a class 2 register-layout token: subclass 0 and 6 take watts
 * (amount-coded, rounded up), 1, 2 and 7 a 16-bit value, 5 requires 0. */
enum hs_sts_err	hs_sts_plain_mgmt(struct hs_sts_plain *p, uint8_t subclass,
		    uint8_t rnd, uint32_t tid, uint32_t value);

/* Fill *p as a class 1 test/display token (subclass 0 or 1). */
enum hs_sts_err	hs_sts_plain_test(struct hs_sts_plain *p, uint8_t subclass,
		    uint64_t control, uint16_t mfrcode);

/* Pack *p into an 8-byte plaintext block and set p->crc.  Checks every
 * field against its width.  For currency credit the CRC covers an extra
 * 0x01 byte ("CRC_C"). */
enum hs_sts_err	hs_sts_plain_pack(struct hs_sts_plain *p, uint8_t block[8]);

/* Unpack a plaintext block of class tclass into *p.  Returns HS_STS_E_CRC
 * (with *p filled) when the CRC does not match, HS_STS_E_CLASS for class 3.
 * The CRC comparison is constant-time. */
enum hs_sts_err	hs_sts_plain_unpack(struct hs_sts_plain *p, uint8_t tclass,
		    const uint8_t block[8]);

/* ------------------------------------------------------------------------
 * Whole tokens without meter state.
 */

/* Pack, encrypt under *k (not for class 1, where k may be NULL), transpose
 * and write 20 digits + NUL to out. */
enum hs_sts_err	hs_sts_encode(const struct hs_sts_key *k,
		    struct hs_sts_plain *p, char out[HS_STS_TOKEN_BUFSZ]);

/* Parse digits, split the class, decrypt (not class 1), unpack.  Errors
 * as hs_sts_number_parse() and hs_sts_plain_unpack(). */
enum hs_sts_err	hs_sts_open(const struct hs_sts_key *k, const char *digits,
		    size_t len, struct hs_sts_plain *p);

/* ------------------------------------------------------------------------
 * Key change tokens.
 */

/* A complete new-key record: what a KCT set installs. */
struct hs_sts_newkey {
	uint8_t		dk[16];		/* new DK (EA07: first 8 bytes) */
	uint8_t		kt;		/* key type 0..3 */
	uint8_t		krn;		/* key revision 0..15 */
	uint8_t		ti;		/* tariff index 0..99 */
	uint8_t		ken;		/* key expiry number */
	uint8_t		ro;		/* 1: rollover, clear the TID store */
	uint8_t		has_sgc;	/* 1: sgc below is valid (EA11 only) */
	uint32_t	sgc;		/* new supply group code 0..999999 */
};

/* Sections a KCT set needs for an algorithm: 2 (EA07), 4 (EA11), 0. */
unsigned	hs_sts_kct_sections(uint8_t ea);

/* Fill out[0..n-1] with the KCT sections (in order 1, 2[, 3, 4]) that
 * install *nk on a meter using algorithm ea; *n is set to 2 or 4.  Encode
 * each with hs_sts_encode() under the meter's CURRENT key.  For EA11 the
 * sections also carry nk->sgc. */
enum hs_sts_err	hs_sts_kct_make(const struct hs_sts_newkey *nk, uint8_t ea,
		    struct hs_sts_plain out[4], unsigned *n);

/*
 * Sections received so far.  The meter keeps one of these (caller-owned,
 * persist it with the meter if sections may straddle a power cycle).  It
 * holds key bits: treat it as secret.  All-zero means empty.
 */
struct hs_sts_kct_pending {
	uint8_t		have;		/* bit s-1 set: section s stored */
	struct hs_sts_newkey nk;	/* fields filled by the sections held */
};

enum hs_sts_kct_state {
	HS_STS_KCT_INCOMPLETE = 0,	/* stored; more sections needed */
	HS_STS_KCT_COMPLETE,		/* pend->nk is a whole new key */
	HS_STS_KCT_SEQUENCE		/* section not used by this EA */
};

/* Store one decrypted, CRC-checked section in *pend (any order; a repeated
 * section replaces the earlier copy).  Nothing is applied: on COMPLETE the
 * caller installs pend->nk (hs_sts_meter_apply_kct() does). */
enum hs_sts_kct_state hs_sts_kct_collect(struct hs_sts_kct_pending *pend,
		    uint8_t ea, const struct hs_sts_kct_section *k);

/* ------------------------------------------------------------------------
 * Anti-replay TID store, over a caller-owned array so firmware can keep it
 * in EEPROM.  Rules: a TID equal to a stored one is Used; when the store is
 * full, a TID below the smallest stored one is Old; inserting into a full
 * store replaces the smallest.  Order within the array is not significant.
 */
struct hs_sts_tidstore {
	uint32_t	*slot;		/* caller array of `size` entries */
	uint16_t	size;		/* capacity (>= 1) */
	uint16_t	count;		/* entries in use, slot[0..count-1] */
};

enum hs_sts_tid_check {
	HS_STS_TID_FRESH = 0,
	HS_STS_TID_USED,
	HS_STS_TID_OLD
};

/* Attach an empty store to a caller array of size entries. */
void		hs_sts_tidstore_init(struct hs_sts_tidstore *s,
		    uint32_t *slot, uint16_t size);

/* Classify tid against the store (does not modify it). */
enum hs_sts_tid_check hs_sts_tidstore_check(const struct hs_sts_tidstore *s,
		    uint32_t tid);

/* Record tid (append, or replace the smallest when full).  Call only after
 * hs_sts_tidstore_check() returned FRESH. */
void		hs_sts_tidstore_record(struct hs_sts_tidstore *s, uint32_t tid);

/* Forget every TID (used by rollover key changes). */
void		hs_sts_tidstore_clear(struct hs_sts_tidstore *s);

/* ------------------------------------------------------------------------
 * The meter-side decoder.
 */
struct hs_sts_meter {
	struct hs_sts_key	key;	/* current decoder key (and EA, tables) */
	uint8_t			kt;	/* its key type */
	uint8_t			krn;	/* its key revision */
	uint8_t			ti;	/* tariff index */
	uint8_t			ken;	/* key expiry number, 0xFF = none */
	uint32_t		sgc;	/* supply group code */
	struct hs_sts_tidstore	tids;	/* anti-replay store */
	struct hs_sts_kct_pending kct;	/* key change sections received */
};

/* Outcome of hs_sts_meter_decode().  Never a bare boolean. */
enum hs_sts_rc {
	HS_STS_RC_ACCEPTED = 0,	/* class 0/2 token valid, TID recorded: apply
				   it (credit, limit, clear...) */
	HS_STS_RC_TEST,		/* class 1 test/display token (no key/TID) */
	HS_STS_RC_KCT_PENDING,	/* key change section stored, more needed */
	HS_STS_RC_KCT_APPLIED,	/* last section: new key installed (and the
				   TID store cleared when RO = 1) */
	HS_STS_RC_FORMAT,	/* not 20 digits, non-digit, or >= 2^66 */
	HS_STS_RC_CRC,		/* CRC failed: wrong key, typo or forgery */
	HS_STS_RC_CLASS,	/* class 3 (reserved) */
	HS_STS_RC_FUNCTION,	/* subclass not supported by this decoder */
	HS_STS_RC_USED,		/* TID already in the store */
	HS_STS_RC_OLD,		/* TID older than the oldest stored (full) */
	HS_STS_RC_KEY_EXPIRED,	/* (TID >> 16) > KEN */
	HS_STS_RC_DDTK,		/* credit token on a default key (KT 1) */
	HS_STS_RC_KEY_TYPE,	/* KCT would install a DITK (factory key) */
	HS_STS_RC_KCT_SEQUENCE,	/* KCT section not used by this algorithm */
	HS_STS_RC_RANGE,	/* amount not representable (currency) */
	HS_STS_RC_NO_KEY	/* meter misconfigured (EA, STA tables) */
};

/* What hs_sts_meter_decode() changed and the firmware must persist, in one
 * journal step, before acting on the result. */
#define HS_STS_PERSIST_TIDS	0x01	/* meter->tids */
#define HS_STS_PERSIST_KEY	0x02	/* key, kt, krn, ti, ken, sgc */
#define HS_STS_PERSIST_KCT	0x04	/* meter->kct (pending sections) */

struct hs_sts_result {
	enum hs_sts_rc		rc;
	uint8_t			tclass;	/* from the token (valid after FORMAT) */
	uint8_t			subclass;
	uint8_t			has_tid;
	uint32_t		tid;
	enum hs_sts_unit	unit;	/* unit of amount (NONE: no amount) */
	uint64_t		amount;	/* credit or watts, in `unit` steps */
	uint8_t			negative;	/* currency sign */
	uint16_t		value;	/* raw 16-bit payload (register id...) */
	uint8_t			kct_have;	/* KCT sections held (bitmask) */
	uint8_t			kct_need;	/* sections the EA needs (2/4) */
	uint8_t			persist;	/* HS_STS_PERSIST_* */
	struct hs_sts_newkey	newkey;	/* KCT_APPLIED: what was installed */
	struct hs_sts_plain	plain;	/* the decrypted block, if CRC ok */
};

/* Short lowercase name of a result code ("accepted", "used", ...). */
const char	*hs_sts_rc_str(enum hs_sts_rc);

/*
 * Decode one token typed on the meter.  Order of checks: format, class,
 * decryption + CRC, subclass, then for credit the key type (DDTK), then
 * for TID tokens key expiry, Used, Old.  On ACCEPTED the TID has been
 * recorded.  Key change sections collect in m->kct; when the set is
 * complete hs_sts_meter_apply_kct() runs, so the new key and (RO = 1) the
 * cleared TID store appear together; r->persist says what to write.
 */
void		hs_sts_meter_decode(struct hs_sts_meter *m, const char *digits,
		    size_t len, struct hs_sts_result *r);

/*
 * Install a complete new key: key bytes, kt, krn, ti, ken, sgc (if
 * has_sgc), clear the TID store when nk->ro, and empty (wipe) m->kct.
 * Idempotent, so firmware can journal *nk first and replay this after a
 * power failure.
 */
void		hs_sts_meter_apply_kct(struct hs_sts_meter *m,
		    const struct hs_sts_newkey *nk);

/* ------------------------------------------------------------------------
 * Meter numbers.  Digits are ASCII, no NUL needed; outputs get a NUL.
 */

/* Luhn check digit (0..9) for n payload digits; -1 on a non-digit. */
int		hs_sts_luhn_digit(const char *digits, size_t n);

/* Decoder reference number: 11 or 13 digits, last one the Luhn digit. */
enum hs_sts_err	hs_sts_drn_validate(const char *drn, size_t len);

/* PAN from IIN (6 digits, or "0000") and account (IAIN: 11 resp. 13
 * digits); out receives 18 digits + NUL. */
enum hs_sts_err	hs_sts_pan_make(const char *iin, size_t iinlen,
		    const char *iain, size_t iainlen, char out[19]);

/* PAN: 18 digits whose last one is the Luhn digit of the first 17. */
enum hs_sts_err	hs_sts_pan_validate(const char *pan, size_t len);

/* ------------------------------------------------------------------------
 * Decoder key generation: SERVER SIDE ONLY (dkga.c, link with -lcrypto).
 * Not part of the portable build.  DES for DKGA02 comes from OpenSSL's
 * legacy provider, loaded into a private library context (never the
 * process-wide default).
 */
struct hs_sts_dkga;	/* opaque: an OpenSSL library context */

struct hs_sts_dkga_input {
	char		pan[18];	/* 18 PAN digits (validated) */
	uint32_t	sgc;		/* 0..999999 */
	uint8_t		ti;		/* 0..99 */
	uint8_t		krn;		/* 0..15 (DKGA02: one hex nibble) */
	uint8_t		kt;		/* 0..3 */
	int		base;		/* DKGA04: 1993, 2014 or 2035 */
	uint8_t		ea;		/* DKGA04: HS_STS_EA07 / HS_STS_EA11 */
};

/* Create / free the context; NULL when OpenSSL cannot load providers. */
struct hs_sts_dkga *hs_sts_dkga_new(void);
void		hs_sts_dkga_free(struct hs_sts_dkga *);

/* DKGA02: DK64 = DES(VK, X) ^ X ^ VK, X = PANBlock ^ CTLBlock (KT 3 zeroes
 * the account part of the PAN block).  dk receives 8 bytes. */
enum hs_sts_err	hs_sts_dkga02(struct hs_sts_dkga *ctx, const uint8_t vk[8],
		    const struct hs_sts_dkga_input *in, uint8_t dk[8]);

/* DKGA04: HMAC-SHA-256 keyed with the 160-bit VK over the labelled input
 * (base date and EA included); dk receives 8 (EA07) or 16 (EA11) bytes,
 * *dklen says which. */
enum hs_sts_err	hs_sts_dkga04(struct hs_sts_dkga *ctx, const uint8_t vk[20],
		    const struct hs_sts_dkga_input *in, uint8_t dk[16],
		    size_t *dklen);

#endif /* HS_STS_H */
