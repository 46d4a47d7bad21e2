#include <stdio.h>
#include <string.h>

#include "http/json.h"

void
hs_json_init(struct hs_json *j, struct kore_buf *buf)
{
	memset(j, 0, sizeof(*j));
	j->buf = buf;
	j->first[0] = 1;
}

/* Before any value: a comma unless it is the first in its container. */
static void
value_begin(struct hs_json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (!j->first[j->depth])
		kore_buf_append(j->buf, ",", 1);
	j->first[j->depth] = 0;
}

static void
open_container(struct hs_json *j, const char *c)
{
	value_begin(j);
	kore_buf_append(j->buf, c, 1);
	if (j->depth < HS_JSON_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = 1;
}

static void
close_container(struct hs_json *j, const char *c)
{
	kore_buf_append(j->buf, c, 1);
	if (j->depth > 0)
		j->depth--;
}

void
hs_json_object(struct hs_json *j)
{
	open_container(j, "{");
}

void
hs_json_array(struct hs_json *j)
{
	open_container(j, "[");
}

void
hs_json_end_object(struct hs_json *j)
{
	close_container(j, "}");
}

void
hs_json_end_array(struct hs_json *j)
{
	close_container(j, "]");
}

static void
escape(struct kore_buf *buf, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	const char		*run;
	unsigned char		 c;
	char			 esc[6];
	size_t			 i;

	kore_buf_append(buf, "\"", 1);
	run = s;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		kore_buf_append(buf, run, (size_t)(s + i - run));
		run = s + i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			kore_buf_append(buf, esc, 2);
			break;
		case '\n':
			kore_buf_append(buf, "\\n", 2);
			break;
		case '\r':
			kore_buf_append(buf, "\\r", 2);
			break;
		case '\t':
			kore_buf_append(buf, "\\t", 2);
			break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			kore_buf_append(buf, esc, 6);
			break;
		}
	}
	kore_buf_append(buf, run, (size_t)(s + len - run));
	kore_buf_append(buf, "\"", 1);
}

void
hs_json_key(struct hs_json *j, const char *key)
{
	value_begin(j);
	escape(j->buf, key, strlen(key));
	kore_buf_append(j->buf, ":", 1);
	j->after_key = 1;
}

void
hs_json_string(struct hs_json *j, const char *s)
{
	if (s == NULL) {
		hs_json_null(j);
		return;
	}
	value_begin(j);
	escape(j->buf, s, strlen(s));
}

void
hs_json_stringn(struct hs_json *j, const char *s, size_t len)
{
	value_begin(j);
	escape(j->buf, s, len);
}

void
hs_json_int(struct hs_json *j, int64_t v)
{
	value_begin(j);
	kore_buf_appendf(j->buf, "%lld", (long long)v);
}

void
hs_json_bool(struct hs_json *j, int v)
{
	value_begin(j);
	if (v)
		kore_buf_append(j->buf, "true", 4);
	else
		kore_buf_append(j->buf, "false", 5);
}

void
hs_json_null(struct hs_json *j)
{
	value_begin(j);
	kore_buf_append(j->buf, "null", 4);
}

void
hs_json_raw(struct hs_json *j, const char *text)
{
	value_begin(j);
	kore_buf_append(j->buf, text, strlen(text));
}

void
hs_json_kstr(struct hs_json *j, const char *k, const char *v)
{
	hs_json_key(j, k);
	hs_json_string(j, v);
}

void
hs_json_kint(struct hs_json *j, const char *k, int64_t v)
{
	hs_json_key(j, k);
	hs_json_int(j, v);
}

void
hs_json_kbool(struct hs_json *j, const char *k, int v)
{
	hs_json_key(j, k);
	hs_json_bool(j, v);
}
