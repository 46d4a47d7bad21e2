/*
 * hydrosync token: encode, decode and key change STS tokens from the
 * command line.
 *
 * Every option is parsed exactly once, at the edge, into struct tokopts;
 * the code behind works on typed values only.  A bad or repeated option
 * is reported by name and exits 2; a token the decoder rejects exits 1
 * after printing its JSON; anything else that fails exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sts/sts.h"

#define EXIT_USAGE	2
#define STA_FILE_MAX	65536
#define AMOUNT_DECIMALS	5	/* currency: 0.00001 */

enum mode {
	MODE_ENCODE,
	MODE_DECODE,
	MODE_KCT
};

/* Option ids double as bit numbers in tokopts.seen. */
enum optid {
	O_EA, O_DKGA, O_VK, O_DK, O_SGC, O_TI, O_KRN, O_KT, O_BASE, O_PAN,
	O_CLASS, O_SUBCLASS, O_AMOUNT, O_VALUE, O_TIME, O_RND, O_STA, O_KEN,
	O_CONTROL, O_MFR, O_NEW_VK, O_NEW_DK, O_NEW_SGC, O_NEW_TI, O_NEW_KRN,
	O_NEW_KT, O_NEW_BASE, O_ROLLOVER, O_HELP, O_COUNT
};

struct optdef {
	const char	*name;
	enum optid	 id;
	int		 has_arg;
};

static const struct optdef optdefs[] = {
	{ "ea", O_EA, 1 },
	{ "dkga", O_DKGA, 1 },
	{ "vending-key", O_VK, 1 },
	{ "decoder-key", O_DK, 1 },
	{ "sgc", O_SGC, 1 },
	{ "ti", O_TI, 1 },
	{ "krn", O_KRN, 1 },
	{ "kt", O_KT, 1 },
	{ "base-date", O_BASE, 1 },
	{ "pan", O_PAN, 1 },
	{ "class", O_CLASS, 1 },
	{ "subclass", O_SUBCLASS, 1 },
	{ "amount", O_AMOUNT, 1 },
	{ "value", O_VALUE, 1 },
	{ "time", O_TIME, 1 },
	{ "rnd", O_RND, 1 },
	{ "sta-tables", O_STA, 1 },
	{ "ken", O_KEN, 1 },
	{ "control", O_CONTROL, 1 },
	{ "mfr-code", O_MFR, 1 },
	{ "new-vending-key", O_NEW_VK, 1 },
	{ "new-decoder-key", O_NEW_DK, 1 },
	{ "new-sgc", O_NEW_SGC, 1 },
	{ "new-ti", O_NEW_TI, 1 },
	{ "new-krn", O_NEW_KRN, 1 },
	{ "new-kt", O_NEW_KT, 1 },
	{ "new-base-date", O_NEW_BASE, 1 },
	{ "rollover", O_ROLLOVER, 0 },
	{ "help", O_HELP, 0 },
};

/* Key inputs: either a decoder key, or a vending key plus DKGA inputs. */
struct keyopts {
	uint8_t		vk[20];
	size_t		vklen;
	uint8_t		dk[16];
	size_t		dklen;
	uint32_t	sgc;
	uint8_t		ti;
	uint8_t		krn;
	uint8_t		kt;
	int		base;
};

struct tokopts {
	enum mode	 mode;
	uint32_t	 seen;		/* bit per enum optid */
	uint8_t		 ea;
	int		 dkga;
	struct keyopts	 cur;		/* the meter's current key */
	struct keyopts	 next;		/* kct: the key to install */
	char		 pan[18];
	uint8_t		 tclass;
	uint8_t		 subclass;
	uint64_t	 amount;	/* --amount in 0.00001 steps, rounded up */
	uint32_t	 value;
	struct hs_sts_utc time;
	uint8_t		 rnd;
	const char	*sta_file;
	uint8_t		 ken;
	uint64_t	 control;
	uint16_t	 mfr;
	int		 rollover;
	const char	*token;
};

static void
usage(FILE *out)
{
	fprintf(out,
"usage: hydrosync token encode KEY-OPTIONS TOKEN-OPTIONS\n"
"       hydrosync token decode KEY-OPTIONS [--ken N] TOKEN\n"
"       hydrosync token kct KEY-OPTIONS NEW-KEY-OPTIONS\n"
"\n"
"Builds and reads STS (IEC 62055-41) 20-digit tokens.\n"
"\n"
"KEY-OPTIONS (the meter's decoder key; not needed for class 1):\n"
"  --ea 07|11            encryption: 07 = STA, 11 = MISTY1\n"
"  --sta-tables FILE     STA tables (S1/S2/P text); required for --ea 07\n"
"  --decoder-key HEX     the decoder key itself (16 hex digits for 07,\n"
"                        32 for 11), instead of deriving it:\n"
"  --dkga 02|04          key derivation: 02 = DES (EA07 only), 04 = HMAC\n"
"  --vending-key HEX     16 hex digits (DKGA02) or 40 (DKGA04)\n"
"  --pan DIGITS          18-digit PAN (IIN + account + Luhn digit)\n"
"  --sgc N               supply group code, 6 digits\n"
"  --ti NN               tariff index 00..99\n"
"  --krn N               key revision number 0..15\n"
"  --kt N                key type 0..3 (1 = default key: refuses credit)\n"
"  --base-date Y         1993, 2014 or 2035: TID base (and DKGA04 input)\n"
"\n"
"TOKEN-OPTIONS (encode):\n"
"  --class 0|1|2         0 credit, 1 test/display, 2 management\n"
"  --subclass N          class 0: 0 electricity, 1 water, 2 gas, 3 time,\n"
"                        4..7 the same as currency; class 1: 0 or 1;\n"
"                        class 2: 0 max power, 1 clear credit, 2 tariff\n"
"                        rate, 5 clear tamper, 6 max phase unbalance,\n"
"                        7 water meter factor (key changes: use 'kct')\n"
"  --amount UNITS        class 0: decimal amount in the subclass unit:\n"
"                        kWh, m3 or minutes (steps of 0.1, rounded up) or\n"
"                        currency (steps of 0.00001)\n"
"  --value N             class 2: watts (subclasses 0, 6), register id\n"
"                        (1; 65535 = all), rate (2), factor (7), 0 (5)\n"
"  --time YYYY-MM-DDTHH:MM:SSZ  UTC issue time; the TID is the minutes\n"
"                        since --base-date\n"
"  --rnd N               4-bit random field 0..15\n"
"  --ken N               key expiry number 0..255 (255 = none): refuse to\n"
"                        issue a token the meter would reject as expired;\n"
"                        with decode, the meter's KEN\n"
"  --control N           class 1: control field (36 or 28 bits)\n"
"  --mfr-code N          class 1: manufacturer code (8 or 16 bits)\n"
"\n"
"NEW-KEY-OPTIONS (kct; sections are encrypted under the current key):\n"
"  --new-decoder-key HEX the new decoder key, or derive it with --dkga and\n"
"  --new-vending-key HEX and these (default: the current value):\n"
"  --new-sgc N  --new-ti NN  --new-krn N  --new-kt N  --new-base-date Y\n"
"  --rollover            set RO: the meter clears its TID store\n"
"  --ken N               new key expiry number (default 255)\n"
"\n"
"Output: encode prints 20 digits; kct prints 2 (EA07) or 4 (EA11) tokens,\n"
"one per line, to be entered in order; decode prints one JSON object\n"
"{class, subclass, tid, time, amount{value, unit}, value, crc_ok, result},\n"
"as a meter with an empty TID store would see it.\n"
"Exit status: 0 ok, 1 failure or token rejected, 2 usage error.\n");
}

static int
bad(const char *opt, const char *why)
{
	fprintf(stderr, "hydrosync token: --%s: %s\n", opt, why);
	return (-1);
}

/* Unsigned decimal in [0, max]; no sign, no spaces, no empty string. */
static int
parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long	v = 0;
	const char		*p;

	if (*s == '\0')
		return (-1);
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return (-1);
		if (v > (max - (unsigned long long)(*p - '0')) / 10)
			return (-1);
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	*out = v;
	return (0);
}

static int
parse_hex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t	n = strlen(s), i;
	int	hi, lo;

	if (n == 0 || n % 2 != 0 || n / 2 > max)
		return (-1);
	for (i = 0; i < n / 2; i++) {
		hi = s[2 * i];
		lo = s[2 * i + 1];
		hi = hi >= '0' && hi <= '9' ? hi - '0' :
		    (hi | 0x20) >= 'a' && (hi | 0x20) <= 'f' ?
		    (hi | 0x20) - 'a' + 10 : -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' :
		    (lo | 0x20) >= 'a' && (lo | 0x20) <= 'f' ?
		    (lo | 0x20) - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return (-1);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return (0);
}

/* Strict YYYY-MM-DDTHH:MM:SSZ. */
static int
parse_time(const char *s, struct hs_sts_utc *t)
{
	static const char	shape[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t			i;

	if (strlen(s) != sizeof(shape) - 1)
		return (-1);
	for (i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') :
		    s[i] != shape[i])
			return (-1);
	}
	t->year = atoi(s);
	t->month = atoi(s + 5);
	t->day = atoi(s + 8);
	t->hour = atoi(s + 11);
	t->minute = atoi(s + 14);
	t->second = atoi(s + 17);
	return (hs_sts_utc_valid(t) ? 0 : -1);
}

/*
 * A non-negative decimal amount into integer steps of 10^-decimals,
 * rounded up (digits beyond the step make it one step larger).
 */
static int
parse_amount(const char *s, unsigned decimals, uint64_t *out)
{
	uint64_t	v = 0;
	unsigned	frac = 0;
	int		dot = 0, digits = 0, extra = 0;

	for (; *s != '\0'; s++) {
		if (*s == '.' && !dot) {
			dot = 1;
			continue;
		}
		if (*s < '0' || *s > '9')
			return (-1);
		digits++;
		if (dot && frac == decimals) {
			extra |= *s != '0';
			continue;
		}
		if (v > (UINT64_MAX - 9) / 10)
			return (-1);
		v = v * 10 + (uint64_t)(*s - '0');
		if (dot)
			frac++;
	}
	if (digits == 0)
		return (-1);
	for (; frac < decimals; frac++) {
		if (v > UINT64_MAX / 10)
			return (-1);
		v *= 10;
	}
	if (extra) {
		if (v == UINT64_MAX)
			return (-1);
		v++;
	}
	*out = v;
	return (0);
}

static int
uint_opt(const char *name, const char *val, unsigned long long max,
    unsigned long long *out)
{
	char	why[64];

	if (parse_uint(val, max, out) == 0)
		return (0);
	snprintf(why, sizeof(why), "expected an integer 0..%llu, got '%s'",
	    max, val);
	fprintf(stderr, "hydrosync token: --%s: %s\n", name, why);
	return (-1);
}

static int
base_opt(const char *name, const char *val, int *out)
{
	unsigned long long	v;

	if (parse_uint(val, 9999, &v) != 0 || !hs_sts_base_valid((int)v))
		return (bad(name, "expected 1993, 2014 or 2035"));
	*out = (int)v;
	return (0);
}

static int
key_hex_opt(const char *name, const char *val, uint8_t *buf, size_t max,
    size_t *len)
{
	if (parse_hex(val, buf, max, len) != 0)
		return (bad(name, "expected an even number of hex digits "
		    "(at most 40)"));
	return (0);
}

/* Store one option's value into the typed struct. */
static int
set_option(struct tokopts *o, const struct optdef *d, const char *val)
{
	unsigned long long	v;

	switch (d->id) {
	case O_EA:
		if (strcmp(val, "07") == 0 || strcmp(val, "7") == 0)
			o->ea = HS_STS_EA07;
		else if (strcmp(val, "11") == 0)
			o->ea = HS_STS_EA11;
		else
			return (bad(d->name, "expected 07 or 11"));
		return (0);
	case O_DKGA:
		if (strcmp(val, "02") == 0 || strcmp(val, "2") == 0)
			o->dkga = 2;
		else if (strcmp(val, "04") == 0 || strcmp(val, "4") == 0)
			o->dkga = 4;
		else
			return (bad(d->name, "expected 02 or 04"));
		return (0);
	case O_VK:
		return (key_hex_opt(d->name, val, o->cur.vk, 20, &o->cur.vklen));
	case O_NEW_VK:
		return (key_hex_opt(d->name, val, o->next.vk, 20,
		    &o->next.vklen));
	case O_DK:
		return (key_hex_opt(d->name, val, o->cur.dk, 16, &o->cur.dklen));
	case O_NEW_DK:
		return (key_hex_opt(d->name, val, o->next.dk, 16,
		    &o->next.dklen));
	case O_SGC:
	case O_NEW_SGC:
		if (strlen(val) != 6 || uint_opt(d->name, val, 999999, &v))
			return (bad(d->name, "expected 6 decimal digits"));
		(d->id == O_SGC ? &o->cur : &o->next)->sgc = (uint32_t)v;
		return (0);
	case O_TI:
	case O_NEW_TI:
		if (uint_opt(d->name, val, 99, &v))
			return (-1);
		(d->id == O_TI ? &o->cur : &o->next)->ti = (uint8_t)v;
		return (0);
	case O_KRN:
	case O_NEW_KRN:
		if (uint_opt(d->name, val, 15, &v))
			return (-1);
		(d->id == O_KRN ? &o->cur : &o->next)->krn = (uint8_t)v;
		return (0);
	case O_KT:
	case O_NEW_KT:
		if (uint_opt(d->name, val, 3, &v))
			return (-1);
		(d->id == O_KT ? &o->cur : &o->next)->kt = (uint8_t)v;
		return (0);
	case O_BASE:
		return (base_opt(d->name, val, &o->cur.base));
	case O_NEW_BASE:
		return (base_opt(d->name, val, &o->next.base));
	case O_PAN:
		switch (hs_sts_pan_validate(val, strlen(val))) {
		case HS_STS_OK:
			memcpy(o->pan, val, sizeof(o->pan));
			return (0);
		case HS_STS_E_CHECK:
			return (bad(d->name, "Luhn check digit is wrong"));
		default:
			return (bad(d->name, "expected 18 decimal digits"));
		}
	case O_CLASS:
		if (uint_opt(d->name, val, 2, &v))
			return (-1);
		o->tclass = (uint8_t)v;
		return (0);
	case O_SUBCLASS:
		if (uint_opt(d->name, val, 15, &v))
			return (-1);
		o->subclass = (uint8_t)v;
		return (0);
	case O_AMOUNT:
		/* Kept at the finest step any subclass uses; build_plain()
		 * rounds it up to the subclass's own step. */
		if (parse_amount(val, AMOUNT_DECIMALS, &o->amount) != 0)
			return (bad(d->name, "expected a non-negative decimal "
			    "number"));
		return (0);
	case O_VALUE:
		if (uint_opt(d->name, val, UINT32_MAX, &v))
			return (-1);
		o->value = (uint32_t)v;
		return (0);
	case O_TIME:
		if (parse_time(val, &o->time) != 0)
			return (bad(d->name, "expected a valid "
			    "YYYY-MM-DDTHH:MM:SSZ (UTC)"));
		return (0);
	case O_RND:
		if (uint_opt(d->name, val, 15, &v))
			return (-1);
		o->rnd = (uint8_t)v;
		return (0);
	case O_STA:
		o->sta_file = val;
		return (0);
	case O_KEN:
		if (uint_opt(d->name, val, 255, &v))
			return (-1);
		o->ken = (uint8_t)v;
		return (0);
	case O_CONTROL:
		if (uint_opt(d->name, val, (1ULL << 36) - 1, &v))
			return (-1);
		o->control = v;
		return (0);
	case O_MFR:
		if (uint_opt(d->name, val, 0xFFFF, &v))
			return (-1);
		o->mfr = (uint16_t)v;
		return (0);
	case O_ROLLOVER:
		o->rollover = 1;
		return (0);
	case O_HELP:
	case O_COUNT:
		break;
	}
	return (0);
}

#define SEEN(o, id)	(((o)->seen >> (id)) & 1)

/* Returns 0, 1 for --help, -1 after reporting a usage error. */
static int
parse_args(struct tokopts *o, int argc, char **argv)
{
	const struct optdef	*d;
	const char		*arg, *val, *eq;
	size_t			 i, namelen;
	int			 k;

	for (k = 1; k < argc; k++) {
		arg = argv[k];
		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
			if (o->mode != MODE_DECODE || o->token != NULL) {
				fprintf(stderr, "hydrosync token: unexpected "
				    "argument '%s'\n", arg);
				return (-1);
			}
			o->token = arg;
			continue;
		}
		arg += 2;
		eq = strchr(arg, '=');
		namelen = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		d = NULL;
		for (i = 0; i < sizeof(optdefs) / sizeof(optdefs[0]); i++) {
			if (strlen(optdefs[i].name) == namelen &&
			    strncmp(optdefs[i].name, arg, namelen) == 0)
				d = &optdefs[i];
		}
		if (d == NULL) {
			fprintf(stderr, "hydrosync token: --%.*s: unknown "
			    "option\n", (int)namelen, arg);
			return (-1);
		}
		if (d->id == O_HELP)
			return (1);
		if (SEEN(o, d->id))
			return (bad(d->name, "given more than once"));
		o->seen |= (uint32_t)1 << d->id;
		val = NULL;
		if (d->has_arg) {
			if (eq != NULL)
				val = eq + 1;
			else if (k + 1 < argc)
				val = argv[++k];
			else
				return (bad(d->name, "missing value"));
		} else if (eq != NULL) {
			return (bad(d->name, "takes no value"));
		}
		if (set_option(o, d, val) != 0)
			return (-1);
	}
	return (0);
}

static int
require(const struct tokopts *o, enum optid id)
{
	if (SEEN(o, id))
		return (0);
	for (size_t i = 0; i < sizeof(optdefs) / sizeof(optdefs[0]); i++) {
		if (optdefs[i].id == id)
			return (bad(optdefs[i].name, "required here"));
	}
	return (-1);
}

static int
load_sta(const char *path, struct hs_sts_sta_table *tab)
{
	struct hs_sts_sta_diag	 d;
	FILE			*f;
	char			*buf;
	size_t			 n;
	int			 rv = -1;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "hydrosync token: --sta-tables: %s: %s\n",
		    path, strerror(errno));
		return (-1);
	}
	if ((buf = malloc(STA_FILE_MAX)) == NULL) {
		fclose(f);
		return (-1);
	}
	n = fread(buf, 1, STA_FILE_MAX, f);
	if (ferror(f) || n == STA_FILE_MAX) {
		fprintf(stderr, "hydrosync token: --sta-tables: %s: unreadable "
		    "or larger than %d bytes\n", path, STA_FILE_MAX - 1);
	} else if (hs_sts_sta_parse(tab, buf, n, &d) != HS_STS_OK) {
		fprintf(stderr, "hydrosync token: --sta-tables: %s:%u: %s",
		    path, d.line, hs_sts_sta_fault_str(d.fault));
		if (d.which != NULL)
			fprintf(stderr, " in %s", d.which);
		if (d.fault == HS_STS_STA_SYNTAX)
			fprintf(stderr, " at column %u", d.column);
		if (d.fault == HS_STS_STA_VALUE ||
		    d.fault == HS_STS_STA_REPEAT)
			fprintf(stderr, " (value %lu at position %u)", d.value,
			    d.index + 1);
		if (d.fault == HS_STS_STA_COUNT)
			fprintf(stderr, " (%u values)", d.index);
		fprintf(stderr, "\n");
	} else {
		rv = 0;
	}
	free(buf);
	fclose(f);
	return (rv);
}

/*
 * Resolve a decoder key from k: either given directly, or derived with
 * the chosen DKGA.  new_key selects the option names for messages.
 */
static int
derive_key(const struct tokopts *o, const struct keyopts *k, int new_key,
    uint8_t dk[16])
{
	struct hs_sts_dkga_input	 in;
	struct hs_sts_dkga		*ctx;
	enum hs_sts_err			 err;
	size_t				 want = hs_sts_key_len(o->ea), len;
	const char			*dkname = new_key ? "new-decoder-key" :
					    "decoder-key";
	const char			*vkname = new_key ? "new-vending-key" :
					    "vending-key";

	if (k->dklen != 0) {
		if (k->dklen != want)
			return (bad(dkname, o->ea == HS_STS_EA07 ?
			    "EA07 needs 16 hex digits" :
			    "EA11 needs 32 hex digits"));
		memcpy(dk, k->dk, want);
		return (0);
	}
	if (k->vklen == 0)
		return (bad(new_key ? "new-vending-key" : "vending-key",
		    new_key ? "required (or --new-decoder-key)" :
		    "required (or --decoder-key)"));
	if (require(o, O_DKGA) || require(o, O_PAN))
		return (-1);
	if (o->dkga == 2 && o->ea != HS_STS_EA07)
		return (bad("dkga", "02 derives 64-bit keys; EA11 needs 04"));
	if (k->vklen != (o->dkga == 2 ? 8u : 20u))
		return (bad(vkname, o->dkga == 2 ?
		    "DKGA02 needs 16 hex digits" :
		    "DKGA04 needs 40 hex digits"));
	if (!new_key && (require(o, O_SGC) || require(o, O_TI) ||
	    require(o, O_KRN) || require(o, O_KT) ||
	    (o->dkga == 4 && require(o, O_BASE))))
		return (-1);
	memset(&in, 0, sizeof(in));
	memcpy(in.pan, o->pan, sizeof(in.pan));
	in.sgc = k->sgc;
	in.ti = k->ti;
	in.krn = k->krn;
	in.kt = k->kt;
	in.base = k->base;
	in.ea = o->ea;
	if ((ctx = hs_sts_dkga_new()) == NULL) {
		fprintf(stderr, "hydrosync token: OpenSSL cannot load the "
		    "legacy/default providers needed for key derivation\n");
		return (-2);
	}
	if (o->dkga == 2)
		err = hs_sts_dkga02(ctx, k->vk, &in, dk);
	else
		err = hs_sts_dkga04(ctx, k->vk, &in, dk, &len);
	hs_sts_dkga_free(ctx);
	if (err != HS_STS_OK) {
		fprintf(stderr, "hydrosync token: key derivation failed: %s\n",
		    hs_sts_err_str(err));
		return (-2);
	}
	return (0);
}

/* Fill *key (and *tab for EA07) for the current key.  -1 usage, -2 other. */
static int
current_key(const struct tokopts *o, struct hs_sts_key *key,
    struct hs_sts_sta_table *tab)
{
	int	rv;

	if (require(o, O_EA))
		return (-1);
	memset(key, 0, sizeof(*key));
	key->ea = o->ea;
	if (o->ea == HS_STS_EA07) {
		if (o->sta_file == NULL)
			return (bad("sta-tables", "required for --ea 07 (STA "
			    "needs its S1/S2/P tables)"));
		if (load_sta(o->sta_file, tab) != 0)
			return (-1);
		key->sta = tab;
	}
	if ((rv = derive_key(o, &o->cur, 0, key->dk)) != 0)
		return (rv);
	return (0);
}

static int
exit_for(int rv)
{
	return (rv == -1 ? EXIT_USAGE : 1);
}

static int
build_plain(const struct tokopts *o, struct hs_sts_plain *p)
{
	enum hs_sts_err	err;
	enum hs_sts_unit unit;
	uint64_t	units, step = 1;
	uint32_t	tid;
	unsigned	i;

	if (o->tclass == HS_STS_CLASS_TEST) {
		if (require(o, O_SUBCLASS) || require(o, O_CONTROL) ||
		    require(o, O_MFR))
			return (-1);
		if (o->subclass > 1)
			return (bad("subclass", "class 1 has subclasses 0, 1"));
		if (hs_sts_plain_test(p, o->subclass, o->control, o->mfr) !=
		    HS_STS_OK)
			return (bad(o->control >> (o->subclass ? 28 : 36) ?
			    "control" : "mfr-code", o->subclass ?
			    "subclass 1 takes 28 control bits, 16-bit code" :
			    "subclass 0 takes 36 control bits, 8-bit code"));
		return (0);
	}
	if (require(o, O_SUBCLASS) || require(o, O_TIME) ||
	    require(o, O_RND) || require(o, O_BASE))
		return (-1);
	err = hs_sts_tid_from_utc(o->cur.base, &o->time, &tid);
	if (err == HS_STS_E_RANGE)
		return (bad("time", "outside the 2^24 minutes after "
		    "--base-date (TID overflow or before the base date)"));
	if (SEEN(o, O_KEN) && !hs_sts_ken_allows(o->ken, tid))
		return (bad("ken", "the meter's key expires before this TID "
		    "((TID >> 16) > KEN)"));
	if (o->tclass == HS_STS_CLASS_CREDIT) {
		if (SEEN(o, O_VALUE))
			return (bad("value", "class 0 takes --amount"));
		if (require(o, O_AMOUNT))
			return (-1);
		if (o->subclass > 7)
			return (bad("subclass", "class 0 has subclasses 0..7"));
		unit = hs_sts_unit_of(0, o->subclass);
		for (i = hs_sts_unit_decimals(unit); i < AMOUNT_DECIMALS; i++)
			step *= 10;
		units = o->amount / step + (o->amount % step != 0);
		err = hs_sts_plain_credit(p, o->subclass, o->rnd, tid, units);
		if (err == HS_STS_E_RANGE)
			return (bad("amount", unit == HS_STS_UNIT_CURRENCY ?
			    "too large" : "above 1820162.4 (the largest "
			    "amount a token carries)"));
		return (err == HS_STS_OK ? 0 : -1);
	}
	if (SEEN(o, O_AMOUNT))
		return (bad("amount", "class 2 takes --value"));
	if (hs_sts_is_kct(2, o->subclass))
		return (bad("subclass", "key change tokens are made with "
		    "'hydrosync token kct'"));
	if (require(o, O_VALUE))
		return (-1);
	err = hs_sts_plain_mgmt(p, o->subclass, o->rnd, tid, o->value);
	if (err == HS_STS_E_CLASS)
		return (bad("subclass", "class 2 subclasses are 0, 1, 2, 5, "
		    "6, 7"));
	if (err != HS_STS_OK)
		return (bad("value", "out of range for this subclass"));
	return (0);
}

static int
cmd_encode(const struct tokopts *o)
{
	struct hs_sts_sta_table	tab;
	struct hs_sts_plain	p;
	struct hs_sts_key	key;
	char			out[HS_STS_TOKEN_BUFSZ];
	int			rv;

	if (require(o, O_CLASS))
		return (EXIT_USAGE);
	if ((rv = build_plain(o, &p)) != 0)
		return (exit_for(rv));
	memset(&key, 0, sizeof(key));
	if (o->tclass != HS_STS_CLASS_TEST &&
	    (rv = current_key(o, &key, &tab)) != 0)
		return (exit_for(rv));
	rv = hs_sts_encode(o->tclass == HS_STS_CLASS_TEST ? NULL : &key, &p,
	    out);
	hs_sts_wipe(&key, sizeof(key));
	if (rv != HS_STS_OK) {
		fprintf(stderr, "hydrosync token: encode failed: %s\n",
		    hs_sts_err_str((enum hs_sts_err)rv));
		return (1);
	}
	printf("%s\n", out);
	return (0);
}

static void
print_amount(const struct hs_sts_result *r)
{
	unsigned long long	scale = 1;
	unsigned		dec = hs_sts_unit_decimals(r->unit), i;

	if (r->unit == HS_STS_UNIT_NONE) {
		printf("\"amount\":null,");
		return;
	}
	for (i = 0; i < dec; i++)
		scale *= 10;
	printf("\"amount\":{\"value\":\"%s%llu", r->negative ? "-" : "",
	    (unsigned long long)(r->amount / scale));
	if (dec > 0)
		printf(".%0*llu", (int)dec,
		    (unsigned long long)(r->amount % scale));
	printf("\",\"unit\":\"%s\"},", hs_sts_unit_symbol(r->unit));
}

static int
cmd_decode(const struct tokopts *o)
{
	struct hs_sts_sta_table	tab;
	struct hs_sts_meter	m;
	struct hs_sts_result	r;
	struct hs_sts_utc	t;
	uint32_t		slot[1];
	int			rv, ok;

	if (o->token == NULL) {
		fprintf(stderr, "hydrosync token: decode: missing TOKEN "
		    "argument\n");
		return (EXIT_USAGE);
	}
	memset(&m, 0, sizeof(m));
	/* Class 1 needs no key: decode it even without key options. */
	if (o->seen & ((uint32_t)1 << O_EA)) {
		if ((rv = current_key(o, &m.key, &tab)) != 0)
			return (exit_for(rv));
	}
	m.kt = SEEN(o, O_KT) ? o->cur.kt : HS_STS_KT_DUTK;
	m.ken = SEEN(o, O_KEN) ? o->ken : HS_STS_KEN_NONE;
	hs_sts_tidstore_init(&m.tids, slot, 1);
	hs_sts_meter_decode(&m, o->token, strlen(o->token), &r);
	hs_sts_wipe(&m, sizeof(m));
	if (r.rc == HS_STS_RC_FORMAT) {
		fprintf(stderr, "hydrosync token: decode: '%s' is not a token "
		    "(20 digits, below 2^66)\n", o->token);
		return (EXIT_USAGE);
	}
	if (r.rc == HS_STS_RC_NO_KEY) {
		fprintf(stderr, "hydrosync token: decode: class %u tokens "
		    "are encrypted: give --ea and key options\n", r.tclass);
		return (EXIT_USAGE);
	}
	ok = r.rc == HS_STS_RC_ACCEPTED || r.rc == HS_STS_RC_TEST ||
	    r.rc == HS_STS_RC_KCT_PENDING || r.rc == HS_STS_RC_KCT_APPLIED;
	printf("{\"class\":%u,", r.tclass);
	if (r.rc == HS_STS_RC_CRC || r.rc == HS_STS_RC_CLASS)
		printf("\"subclass\":null,\"tid\":null,\"time\":null,"
		    "\"amount\":null,");
	else {
		printf("\"subclass\":%u,", r.subclass);
		if (r.has_tid) {
			printf("\"tid\":%lu,", (unsigned long)r.tid);
			if (SEEN(o, O_BASE) &&
			    hs_sts_tid_to_utc(o->cur.base, r.tid, &t) ==
			    HS_STS_OK)
				printf("\"time\":\"%04d-%02d-%02dT%02d:%02d:"
				    "00Z\",", t.year, t.month, t.day, t.hour,
				    t.minute);
			else
				printf("\"time\":null,");
		} else {
			printf("\"tid\":null,\"time\":null,");
		}
		print_amount(&r);
		if (r.tclass == HS_STS_CLASS_MGMT &&
		    !hs_sts_is_kct(2, r.subclass))
			printf("\"value\":%u,", r.value);
		if (r.tclass == HS_STS_CLASS_TEST)
			printf("\"control\":%llu,\"mfr_code\":%u,",
			    (unsigned long long)r.plain.control,
			    r.plain.mfrcode);
		if (hs_sts_is_kct(2, r.subclass))
			printf("\"kct_section\":%u,", r.plain.kct.section);
	}
	printf("\"crc_ok\":%s,\"result\":\"%s\"}\n",
	    r.rc == HS_STS_RC_CRC ? "false" : "true", hs_sts_rc_str(r.rc));
	hs_sts_wipe(&r, sizeof(r));
	return (ok ? 0 : 1);
}

static int
cmd_kct(const struct tokopts *o)
{
	struct hs_sts_sta_table	tab;
	struct hs_sts_newkey	nk;
	struct hs_sts_plain	p[4];
	struct hs_sts_key	key;
	struct keyopts		next = o->next;
	struct tokopts		no = *o;
	char			out[4][HS_STS_TOKEN_BUFSZ];
	unsigned		n, i;
	int			rv;

	if ((rv = current_key(o, &key, &tab)) != 0)
		return (exit_for(rv));
	/* Unset new attributes default to the current ones. */
	if (!SEEN(o, O_NEW_SGC))
		next.sgc = o->cur.sgc;
	if (!SEEN(o, O_NEW_TI))
		next.ti = o->cur.ti;
	if (!SEEN(o, O_NEW_KRN))
		next.krn = o->cur.krn;
	if (!SEEN(o, O_NEW_KT))
		next.kt = SEEN(o, O_KT) ? o->cur.kt : HS_STS_KT_DUTK;
	if (!SEEN(o, O_NEW_BASE))
		next.base = o->cur.base;
	if (next.dklen == 0 && next.vklen == 0) {
		hs_sts_wipe(&key, sizeof(key));
		return (bad("new-decoder-key", "required (or "
		    "--new-vending-key)"));
	}
	if (next.dklen == 0 && o->dkga == 4 && next.base == 0) {
		hs_sts_wipe(&key, sizeof(key));
		return (bad("new-base-date", "required for DKGA04"));
	}
	memset(&nk, 0, sizeof(nk));
	if ((rv = derive_key(&no, &next, 1, nk.dk)) != 0) {
		hs_sts_wipe(&key, sizeof(key));
		return (exit_for(rv));
	}
	nk.kt = next.kt;
	nk.krn = next.krn;
	nk.ti = next.ti;
	nk.sgc = next.sgc;
	nk.ken = SEEN(o, O_KEN) ? o->ken : HS_STS_KEN_NONE;
	nk.ro = (uint8_t)o->rollover;
	rv = hs_sts_kct_make(&nk, o->ea, p, &n);
	for (i = 0; rv == HS_STS_OK && i < n; i++)
		rv = hs_sts_encode(&key, &p[i], out[i]);
	hs_sts_wipe(&key, sizeof(key));
	hs_sts_wipe(&nk, sizeof(nk));
	hs_sts_wipe(p, sizeof(p));
	if (rv != HS_STS_OK) {
		fprintf(stderr, "hydrosync token: kct failed: %s\n",
		    hs_sts_err_str((enum hs_sts_err)rv));
		return (1);
	}
	for (i = 0; i < n; i++)
		printf("%s\n", out[i]);
	return (0);
}

int
hs_cli_token(int argc, char **argv)
{
	struct tokopts	o;
	int		rv;

	memset(&o, 0, sizeof(o));
	if (argc < 2) {
		usage(stderr);
		return (EXIT_USAGE);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return (0);
	}
	if (strcmp(argv[1], "encode") == 0)
		o.mode = MODE_ENCODE;
	else if (strcmp(argv[1], "decode") == 0)
		o.mode = MODE_DECODE;
	else if (strcmp(argv[1], "kct") == 0)
		o.mode = MODE_KCT;
	else {
		fprintf(stderr, "hydrosync token: unknown action '%s' "
		    "(encode, decode or kct)\n", argv[1]);
		return (EXIT_USAGE);
	}
	if ((rv = parse_args(&o, argc - 1, argv + 1)) != 0) {
		if (rv == 1) {
			usage(stdout);
			return (0);
		}
		return (EXIT_USAGE);
	}
	switch (o.mode) {
	case MODE_ENCODE:
		rv = cmd_encode(&o);
		break;
	case MODE_DECODE:
		rv = cmd_decode(&o);
		break;
	case MODE_KCT:
		rv = cmd_kct(&o);
		break;
	}
	hs_sts_wipe(&o, sizeof(o));
	return (rv);
}
