/*
 * The webhook transport's pure parts: the HMAC-SHA256 signatures of
 * docs/webhooks.md, the checks that keep header values and URLs clean,
 * and the reading of a Retry-After header.
 *
 * The signed message is ts "." id "." body, fed to the MAC piece by
 * piece so the body is never copied.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "webhook.h"

#define URL_MAX		2048

int
wh_mac_open(struct wh_mac *m)
{
	m->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	return (m->mac == NULL ? -1 : 0);
}

void
wh_mac_close(struct wh_mac *m)
{
	EVP_MAC_free(m->mac);
	m->mac = NULL;
}

int
wh_sign(const struct wh_mac *m, const char *secret, const char *ts,
    const char *id, const void *body, size_t body_len,
    char out[WH_HEX_LEN + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	OSSL_PARAM		 params[2];
	EVP_MAC_CTX		*ctx;
	unsigned char		 mac[32];
	size_t			 maclen = 0, i;
	char			 digest[] = "SHA256";
	int			 ok;

	if ((ctx = EVP_MAC_CTX_new(m->mac)) == NULL)
		return (-1);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = EVP_MAC_init(ctx, (const unsigned char *)secret, strlen(secret),
	    params) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)ts, strlen(ts)) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)".", 1) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)id, strlen(id)) == 1 &&
	    EVP_MAC_update(ctx, (const unsigned char *)".", 1) == 1 &&
	    (body_len == 0 || EVP_MAC_update(ctx, body, body_len) == 1) &&
	    EVP_MAC_final(ctx, mac, &maclen, sizeof(mac)) == 1 &&
	    maclen == sizeof(mac);
	EVP_MAC_CTX_free(ctx);
	if (!ok)
		return (-1);
	for (i = 0; i < sizeof(mac); i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 0x0f];
	}
	out[WH_HEX_LEN] = '\0';
	OPENSSL_cleanse(mac, sizeof(mac));
	return (0);
}

int
wh_signature(const struct wh_mac *m, const char *secret, const char *previous,
    const char *ts, const char *id, const void *body, size_t body_len,
    char out[WH_SIG_LEN])
{
	char	cur[WH_HEX_LEN + 1], old[WH_HEX_LEN + 1];

	if (wh_sign(m, secret, ts, id, body, body_len, cur) == -1)
		return (-1);
	if (previous == NULL) {
		snprintf(out, WH_SIG_LEN, "v1=%s", cur);
		return (0);
	}
	if (wh_sign(m, previous, ts, id, body, body_len, old) == -1)
		return (-1);
	snprintf(out, WH_SIG_LEN, "v1=%s,v1=%s", cur, old);
	return (0);
}

int
wh_header_ok(const char *s, size_t max, int spaces)
{
	size_t	i;

	if (s == NULL || s[0] == '\0')
		return (0);
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= max)
			return (0);
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return (0);
		if (s[i] == ' ' && !spaces)
			return (0);
	}
	/* No leading or trailing blank: it would be trimmed in transit. */
	return (s[0] != ' ' && s[i - 1] != ' ');
}

int
wh_url_ok(const char *url)
{
	const char	*host;
	size_t		 i;

	if (url == NULL)
		return (0);
	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return (0);
	if (*host == '\0' || *host == '/' || *host == '?' || *host == '#' ||
	    *host == ':' || *host == '@')
		return (0);
	for (i = 0; url[i] != '\0'; i++)
		if (i >= URL_MAX || (unsigned char)url[i] <= 0x20 ||
		    (unsigned char)url[i] == 0x7f)
			return (0);
	return (1);
}

static uint32_t
cap_ms(uint64_t ms)
{
	return (ms > WH_RETRY_CAP_MS ? WH_RETRY_CAP_MS : (uint32_t)ms);
}

uint32_t
wh_retry_after(const char *value, int64_t now_ms)
{
	struct tm		 tm;
	char			 buf[64], *end;
	const char		*p;
	unsigned long long	 secs;
	size_t			 len;
	time_t			 t;
	int64_t			 ms;

	if (value == NULL)
		return (0);
	while (*value == ' ' || *value == '\t')
		value++;
	len = strlen(value);
	while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return (0);
	memcpy(buf, value, len);
	buf[len] = '\0';

	if (isdigit((unsigned char)buf[0])) {
		/* delay-seconds: 1*DIGIT */
		for (p = buf; *p != '\0'; p++)
			if (!isdigit((unsigned char)*p))
				return (0);
		errno = 0;
		secs = strtoull(buf, &end, 10);
		if (errno == ERANGE || secs > WH_RETRY_CAP_MS / 1000)
			return (WH_RETRY_CAP_MS);
		return (cap_ms(secs * 1000));
	}

	/* HTTP-date, IMF-fixdate form: Sun, 06 Nov 1994 08:49:37 GMT */
	memset(&tm, 0, sizeof(tm));
	end = strptime(buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL || *end != '\0')
		return (0);
	if ((t = timegm(&tm)) == (time_t)-1)
		return (0);
	ms = (int64_t)t * 1000 - now_ms;
	if (ms <= 0)
		return (0);
	return (cap_ms((uint64_t)ms));
}
