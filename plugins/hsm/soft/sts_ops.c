/*
 * STS token operations shared by the HSM plugins: everything between the
 * ABI's meter/token structs and the 20 digits, except the keyed
 * derivation, which the backend supplies (see sts_ops.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sts_ops.h"

#define STA_FILE_MAX	65536

static int
invalid(const struct hs_host *host, const char *what)
{
	host->log(host->hctx, HS_LOG_ERR, "refused: %s", what);
	return (HS_E_INVALID);
}

int
hs_hsm_meter_input(const struct hs_host *host, const struct hs_hsm_meter *m,
    struct hs_sts_dkga_input *in)
{
	if (m == NULL || m->size < sizeof(*m))
		return (invalid(host, "meter struct missing or too small"));
	if (m->pan == NULL || strlen(m->pan) != 18 ||
	    hs_sts_pan_validate(m->pan, 18) != HS_STS_OK)
		return (invalid(host, "PAN must be 18 digits with a valid "
		    "Luhn check digit"));
	if (m->sgc > 999999)
		return (invalid(host, "SGC must have 6 digits"));
	if (m->ti > 99)
		return (invalid(host, "TI must be 0..99"));
	if (m->krn > 15)
		return (invalid(host, "KRN must be 0..15"));
	if (m->kt > 3)
		return (invalid(host, "KT must be 0..3"));
	if (m->ea != HS_STS_EA07 && m->ea != HS_STS_EA11)
		return (invalid(host, "EA must be 7 (STA) or 11 (MISTY1)"));
	if (m->dkga != 2 && m->dkga != 4)
		return (invalid(host, "DKGA must be 2 or 4"));
	if (m->dkga == 2 && m->ea != HS_STS_EA07)
		return (invalid(host, "DKGA02 derives 64-bit keys; EA11 "
		    "needs DKGA04"));
	if (!hs_sts_base_valid(m->base_date))
		return (invalid(host, "base date must be 1993, 2014 or 2035"));
	memset(in, 0, sizeof(*in));
	memcpy(in->pan, m->pan, sizeof(in->pan));
	in->sgc = m->sgc;
	in->ti = m->ti;
	in->krn = m->krn;
	in->kt = m->kt;
	in->base = m->base_date;
	in->ea = m->ea;
	return (HS_OK);
}

/* UTC seconds to the calendar fields the TID is computed from. */
static int
utc_of(int64_t secs, struct hs_sts_utc *t)
{
	int64_t		days, rem;
	int32_t		y;

	if (secs < 0 || secs > 253402300799LL)	/* 9999-12-31T23:59:59Z */
		return (-1);
	days = secs / 86400;
	rem = secs % 86400;
	hs_sts_civil_from_days((int32_t)days, &y, &t->month, &t->day);
	t->year = (int)y;
	t->hour = (int)(rem / 3600);
	t->minute = (int)(rem % 3600 / 60);
	t->second = (int)(rem % 60);
	return (0);
}

/*
 * The plaintext block of a vend.  Class 1 (test tokens) is refused: it is
 * not encrypted and carries a control field the ABI does not describe, so
 * the core makes those with the engine directly.  Key change subclasses
 * belong to key_change().
 */
static int
plain_of(const struct hs_host *host, const struct hs_hsm_meter *m,
    const struct hs_hsm_token *t, struct hs_sts_plain *p)
{
	struct hs_sts_utc	utc;
	uint32_t		tid;
	enum hs_sts_err		err;

	if (t == NULL || t->size < sizeof(*t))
		return (invalid(host, "token struct missing or too small"));
	if (t->rnd > 15)
		return (invalid(host, "RND must be 0..15"));
	if (m->kt == HS_STS_KT_DITK)
		return (invalid(host, "the meter holds its factory key (KT "
		    "0); send key change tokens first"));
	if (utc_of(t->issued_at, &utc) == -1 ||
	    hs_sts_tid_from_utc(m->base_date, &utc, &tid) != HS_STS_OK)
		return (invalid(host, "issued_at is outside the 2^24 minutes "
		    "after the meter's base date"));
	if (!hs_sts_ken_allows(m->ken, tid))
		return (invalid(host, "the meter's key expires before this "
		    "TID ((TID >> 16) > KEN); change its key first"));
	switch (t->token_class) {
	case HS_STS_CLASS_CREDIT:
		if (m->kt == HS_STS_KT_DDTK)
			return (invalid(host, "the meter holds a default key "
			    "(KT 1), which refuses credit; change its key "
			    "first"));
		if (t->subclass > 7)
			return (invalid(host, "class 0 has subclasses 0..7"));
		err = hs_sts_plain_credit(p, t->subclass, t->rnd, tid,
		    t->amount);
		if (err == HS_STS_E_RANGE)
			return (invalid(host, "amount too large for one "
			    "token"));
		break;
	case HS_STS_CLASS_MGMT:
		if (hs_sts_is_kct(2, t->subclass))
			return (invalid(host, "key change tokens come from "
			    "key_change, not vend"));
		if (t->amount > UINT32_MAX)
			return (invalid(host, "class 2 value out of range"));
		err = hs_sts_plain_mgmt(p, t->subclass, t->rnd, tid,
		    (uint32_t)t->amount);
		if (err == HS_STS_E_CLASS)
			return (invalid(host, "class 2 subclasses are 0, 1, "
			    "2, 5, 6, 7"));
		break;
	case HS_STS_CLASS_TEST:
		return (invalid(host, "class 1 test tokens are not "
		    "encrypted; make them with the token engine"));
	default:
		return (invalid(host, "token class must be 0 or 2"));
	}
	if (err != HS_STS_OK)
		return (invalid(host, hs_sts_err_str(err)));
	return (HS_OK);
}

/* EA07 cannot encrypt anything without the plugin's STA tables. */
static int
sta_ready(const struct hs_hsm_backend *b, uint8_t ea)
{
	if (ea == HS_STS_EA07 && b->sta == NULL) {
		b->host->log(b->host->hctx, HS_LOG_ERR, "EA07 needs STA "
		    "tables: set sta_tables to the table file");
		return (HS_E_CONFIG);
	}
	return (HS_OK);
}

/* Encrypt one plaintext under a decoder key and print its digits. */
static int
encode(const struct hs_hsm_backend *b, uint8_t ea, const uint8_t *dk,
    size_t dklen, struct hs_sts_plain *p, char out[HS_TOKEN_DIGITS + 1])
{
	struct hs_sts_key	key;
	enum hs_sts_err		err;

	memset(&key, 0, sizeof(key));
	key.ea = ea;
	key.sta = ea == HS_STS_EA07 ? b->sta : NULL;
	memcpy(key.dk, dk, dklen);
	err = hs_sts_encode(&key, p, out);
	hs_sts_wipe(&key, sizeof(key));
	if (err != HS_STS_OK) {
		b->host->log(b->host->hctx, HS_LOG_ERR, "encode failed: %s",
		    hs_sts_err_str(err));
		return (err == HS_STS_E_KEY ? HS_E_INTERNAL : HS_E_INVALID);
	}
	return (HS_OK);
}

int
hs_hsm_vend(const struct hs_hsm_backend *b, const struct hs_hsm_meter *m,
    const struct hs_hsm_token *t, char out[HS_TOKEN_DIGITS + 1])
{
	struct hs_sts_dkga_input	in;
	struct hs_sts_plain		p;
	uint8_t				dk[16];
	size_t				dklen = 0;
	int				rv;

	if ((rv = hs_hsm_meter_input(b->host, m, &in)) != HS_OK ||
	    (rv = sta_ready(b, m->ea)) != HS_OK ||
	    (rv = plain_of(b->host, m, t, &p)) != HS_OK)
		return (rv);
	if ((rv = b->derive(b->ctx, m->dkga, &in, dk, &dklen)) == HS_OK)
		rv = encode(b, m->ea, dk, dklen, &p, out);
	hs_sts_wipe(dk, sizeof(dk));
	hs_sts_wipe(&p, sizeof(p));
	return (rv);
}

int
hs_hsm_key_change(const struct hs_hsm_backend *b,
    const struct hs_hsm_meter *from, const struct hs_hsm_key_change *to,
    char out[HS_KCT_MAX][HS_TOKEN_DIGITS + 1], size_t *count)
{
	struct hs_sts_dkga_input	cur, next;
	struct hs_sts_newkey		nk;
	struct hs_sts_plain		p[4];
	uint8_t				dk[16];
	size_t				dklen = 0, newlen = 0;
	unsigned			n = 0, i;
	int				rv;

	if (to == NULL || to->size < sizeof(*to) || count == NULL)
		return (invalid(b->host, "key change struct missing or too "
		    "small"));
	if ((rv = hs_hsm_meter_input(b->host, from, &cur)) != HS_OK ||
	    (rv = hs_hsm_meter_input(b->host, &to->to, &next)) != HS_OK)
		return (rv);
	if ((rv = sta_ready(b, from->ea)) != HS_OK)
		return (rv);
	if (to->to.ea != from->ea)
		return (invalid(b->host, "a key change cannot change the "
		    "encryption algorithm (EA)"));
	if (to->to.kt == HS_STS_KT_DITK)
		return (invalid(b->host, "meters refuse a key change to a "
		    "factory key (KT 0)"));

	memset(&nk, 0, sizeof(nk));
	if ((rv = b->derive(b->ctx, to->to.dkga, &next, nk.dk, &newlen)) !=
	    HS_OK)
		goto done;
	nk.kt = to->to.kt;
	nk.krn = to->to.krn;
	nk.ti = to->to.ti;
	nk.ken = to->to.ken;
	nk.ro = to->rollover ? 1 : 0;
	nk.sgc = to->to.sgc;
	if (hs_sts_kct_make(&nk, from->ea, p, &n) != HS_STS_OK) {
		rv = invalid(b->host, "key change fields out of range");
		goto done;
	}
	if ((rv = b->derive(b->ctx, from->dkga, &cur, dk, &dklen)) != HS_OK)
		goto done;
	for (i = 0; i < n && rv == HS_OK; i++)
		rv = encode(b, from->ea, dk, dklen, &p[i], out[i]);
	if (rv == HS_OK)
		*count = n;
done:
	hs_sts_wipe(dk, sizeof(dk));
	hs_sts_wipe(&nk, sizeof(nk));
	hs_sts_wipe(p, sizeof(p));
	return (rv);
}

void
hs_hsm_hex(const uint8_t *p, size_t n, char *out)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * The provisioning record: one line of key=value fields a meter factory
 * loads.  With a factory key the decoder key travels wrapped (RFC 5649
 * AES key wrap) together with a check value, the first 3 bytes of the
 * zero block encrypted under the key, so the factory can verify what it
 * unwrapped before programming a meter.  Without one, the record carries
 * the configuration only and the factory derives nothing.
 */
int
hs_hsm_provision(const struct hs_hsm_backend *b, const struct hs_hsm_meter *m,
    char *out, size_t out_len)
{
	struct hs_sts_dkga_input	in;
	struct hs_sts_key		key;
	uint8_t				dk[16], zero[8] = { 0 };
	char				wrapped[128], kcv[7];
	size_t				dklen = 0;
	int				rv, n;

	if ((rv = hs_hsm_meter_input(b->host, m, &in)) != HS_OK)
		return (rv);
	if (b->wrap != NULL && (rv = sta_ready(b, m->ea)) != HS_OK)
		return (rv);
	n = snprintf(out, out_len, "hydrosync-provision v1 pan=%s sgc=%06u "
	    "ti=%02u krn=%u kt=%u ken=%u ea=%02u dkga=%02u base=%u",
	    m->pan, (unsigned)m->sgc, m->ti, m->krn, m->kt, m->ken, m->ea,
	    m->dkga, m->base_date);
	if (n < 0 || (size_t)n >= out_len)
		return (invalid(b->host, "provision output buffer too small"));
	if (b->wrap == NULL) {
		if ((size_t)n + 10 >= out_len)
			return (invalid(b->host, "provision output buffer too "
			    "small"));
		strcat(out, " dk=absent");
		return (HS_OK);
	}
	if ((rv = b->derive(b->ctx, m->dkga, &in, dk, &dklen)) != HS_OK)
		goto done;
	rv = b->wrap(b->ctx, dk, dklen, wrapped, sizeof(wrapped));
	if (rv != HS_OK)
		goto done;
	memset(&key, 0, sizeof(key));
	key.ea = m->ea;
	key.sta = b->sta;
	memcpy(key.dk, dk, dklen);
	if (hs_sts_block_encrypt(&key, zero) != HS_STS_OK)
		rv = HS_E_INTERNAL;
	hs_sts_wipe(&key, sizeof(key));
	if (rv != HS_OK)
		goto done;
	hs_hsm_hex(zero, 3, kcv);
	if (snprintf(out + n, out_len - n, " wrap=aes-kwp dk=%s kcv=%s",
	    wrapped, kcv) >= (int)(out_len - n))
		rv = invalid(b->host, "provision output buffer too small");
done:
	hs_sts_wipe(dk, sizeof(dk));
	return (rv);
}

size_t
hs_hsm_dkga04_message(const struct hs_sts_dkga_input *in, uint8_t data[64])
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			n = 0;
	unsigned		len = in->ea == HS_STS_EA07 ? 8 : 16;

	/* Label: four length-prefixed ASCII fields, then a 0x00. */
	n += (size_t)sprintf((char *)data + n, "%c%c04%c%02d%c%02u%c%02u",
	    4, 2, 2, in->base % 100, 2, in->ea, 2, in->ti);
	data[n++] = 0x00;
	/* Context: SGC, KT, KRN, PAN. */
	data[n++] = 0x04;
	data[n++] = 0x06;
	n += (size_t)sprintf((char *)data + n, "%06u", (unsigned)in->sgc);
	data[n++] = 0x01;
	data[n++] = (uint8_t)hex[in->kt & 15];
	data[n++] = 0x01;
	data[n++] = (uint8_t)hex[in->krn & 15];
	data[n++] = 0x12;
	memcpy(data + n, in->pan, 18);
	n += 18;
	/* L: the key length in bits, 32-bit big-endian. */
	data[n++] = 0;
	data[n++] = 0;
	data[n++] = 0;
	data[n++] = (uint8_t)(len * 8);
	return (n);
}

int
hs_hsm_sta_load(const char *path, struct hs_sts_sta_table *tab, char *err,
    size_t errlen)
{
	struct hs_sts_sta_diag	diag;
	FILE			*fp;
	char			*buf;
	size_t			 len;
	int			 rv = -1;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "STA tables %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	if ((buf = malloc(STA_FILE_MAX)) == NULL) {
		fclose(fp);
		snprintf(err, errlen, "STA tables %s: out of memory", path);
		return (-1);
	}
	len = fread(buf, 1, STA_FILE_MAX, fp);
	if (ferror(fp) || len == STA_FILE_MAX)
		snprintf(err, errlen, "STA tables %s: %s", path, ferror(fp) ?
		    "read error" : "larger than 64 KiB");
	else if (hs_sts_sta_parse(tab, buf, len, &diag) != HS_STS_OK)
		snprintf(err, errlen, "STA tables %s:%u: %s%s%s", path,
		    diag.line, hs_sts_sta_fault_str(diag.fault),
		    diag.which ? " in " : "", diag.which ? diag.which : "");
	else
		rv = 0;
	free(buf);
	fclose(fp);
	return (rv);
}
