/*
 * GET /api/v1/purchases/{id}/receipt: a printable receipt (HTML with
 * print styles, A6 or a 58 mm thermal roll) for the counter and for the
 * customer's own records: utility, customer, meter, the price lines, the
 * token in groups of four, paid at in the utility's zone (WIB, WITA,
 * WIT).  Bahasa Indonesia first, as the people at the counter speak it.
 */
#include <string.h>

#include <kore/kore.h>

#include "api/result.h"
#include "http/routes.h"
#include "server/server.h"
#include "vend/vend.h"

/* Append a string literal. */
#define LIT(b, s)	kore_buf_append((b), (s), sizeof(s) - 1)

static void
html_text(struct kore_buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '<':
			LIT(b, "&lt;");
			break;
		case '>':
			LIT(b, "&gt;");
			break;
		case '&':
			LIT(b, "&amp;");
			break;
		case '"':
			LIT(b, "&quot;");
			break;
		case '\'':
			LIT(b, "&#39;");
			break;
		default:
			kore_buf_append(b, s, 1);
		}
	}
}

/* Rp12.500: rupiah with dots between thousands, as Indonesians write. */
static void
rupiah(struct kore_buf *b, int64_t v)
{
	char	digits[32], out[48];
	size_t	n, i, o = 0;

	if (v < 0) {
		out[o++] = '-';
		v = -v;
	}
	n = (size_t)snprintf(digits, sizeof(digits), "%lld", (long long)v);
	out[o++] = 'R';
	out[o++] = 'p';
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[o++] = '.';
		out[o++] = digits[i];
	}
	kore_buf_append(b, out, o);
}

static const char *
str(struct kore_json_item *root, const char *path)
{
	struct kore_json_item	*it;

	it = kore_json_find(root, path, KORE_JSON_TYPE_STRING);
	return (it ? it->data.string : "");
}

static int64_t
num(struct kore_json_item *root, const char *path)
{
	struct kore_json_item	*it;

	if ((it = kore_json_find(root, path, KORE_JSON_TYPE_INTEGER_U64)))
		return ((int64_t)it->data.u64);
	if ((it = kore_json_find(root, path, KORE_JSON_TYPE_INTEGER)))
		return (it->data.s64);
	return (0);
}

static void
row(struct kore_buf *b, const char *label, const char *value)
{
	kore_buf_appendf(b, "<tr><th>%s</th><td>", label);
	html_text(b, value);
	LIT(b, "</td></tr>\n");
}

static void
money_row(struct kore_buf *b, const char *label, int64_t v)
{
	kore_buf_appendf(b, "<tr><th>%s</th><td class=\"n\">", label);
	rupiah(b, v);
	LIT(b, "</td></tr>\n");
}

/* Volume from litres (or Wh): "4,5 m3 (4.500 liter)" / "33,5 kWh". */
static void
volume_row(struct kore_buf *b, const char *service, int64_t units)
{
	char	text[96];

	if (!strcmp(service, "water"))
		snprintf(text, sizeof(text), "%lld,%lld m\xc2\xb3 (%lld liter)",
		    (long long)(units / 1000), (long long)(units % 1000 / 100),
		    (long long)units);
	else
		snprintf(text, sizeof(text), "%lld,%lld kWh",
		    (long long)(units / 1000), (long long)(units % 1000 / 100));
	row(b, "Jumlah / Units", text);
}

static void
token_row(struct kore_buf *b, const char *label, const char *t)
{
	char	grouped[32];
	size_t	i, o = 0;

	for (i = 0; t[i] != '\0' && o < sizeof(grouped) - 2; i++) {
		if (i > 0 && i % 4 == 0)
			grouped[o++] = ' ';
		grouped[o++] = t[i];
	}
	grouped[o] = '\0';
	kore_buf_appendf(b, "<tr><th>%s</th><td class=\"token\">", label);
	html_text(b, grouped);
	LIT(b, "</td></tr>\n");
}

static int
receipt_reply(struct hs_req *r)
{
	struct kore_json	 j;
	struct kore_json_item	*root, *kct, *it;
	struct kore_buf		 b;
	const char		*json, *footer, *token, *state;
	int			 n;

	if (r->error[0] != '\0' || PQntuples(r->res) != 1 ||
	    PQgetisnull(r->res, 0, 0))
		return (hs_api_result(r, 200));
	json = PQgetvalue(r->res, 0, 0);
	kore_json_init(&j, json, strlen(json));
	if (!kore_json_parse(&j)) {
		kore_json_cleanup(&j);
		return (hs_reply_error(r, 500, "internal", "receipt record "
		    "unreadable", NULL));
	}
	root = j.root;
	state = str(root, "state");
	kore_buf_init(&b, 4096);
	kore_buf_appendf(&b, "<!doctype html>\n<html lang=\"id\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width\"><title>Struk %s</title>\n"
	    "<style>body{font:14px/1.4 system-ui,sans-serif;max-width:26em;"
	    "margin:1em auto;color:#111}h1{font-size:1.1em;margin:0}"
	    "table{width:100%%;border-collapse:collapse}th{text-align:left;"
	    "font-weight:normal;color:#444;padding:.15em .5em .15em 0}"
	    "td{padding:.15em 0}.n{text-align:right}.token{font:bold 1.25em "
	    "monospace;letter-spacing:.05em}.foot{margin-top:1em;font-size:"
	    ".85em;color:#444}@media print{body{margin:0;max-width:58mm;"
	    "font-size:11px}button{display:none}}</style></head><body>\n",
	    str(root, "order_id"));
	LIT(&b, "<h1>");
	html_text(&b, str(root, "utility_name"));
	LIT(&b, "</h1>\n<p>Struk pembelian token / Token "
	    "purchase receipt</p>\n<table>\n");
	row(&b, "No. order", str(root, "order_id"));
	row(&b, "Pelanggan / Customer", str(root, "customer_name"));
	row(&b, "No. pelanggan", str(root, "customer_number"));
	row(&b, "No. meter", str(root, "meter_number"));
	row(&b, "Tarif", str(root, "tariff"));
	{
		char	when[64];

		snprintf(when, sizeof(when), "%s %s",
		    str(root, "paid_at_local"), str(root, "zone_name"));
		row(&b, "Dibayar / Paid", when);
	}
	row(&b, "Pembayaran / Via", str(root, "provider"));
	money_row(&b, "Nominal", num(root, "amount"));
	if (num(root, "tax") > 0)
		money_row(&b, "Pajak (termasuk) / Tax incl.", num(root, "tax"));
	if (num(root, "admin_fee") > 0)
		money_row(&b, "Biaya admin / Admin fee",
		    num(root, "admin_fee"));
	money_row(&b, "Total", num(root, "total"));
	volume_row(&b, str(root, "service_type"), num(root, "units"));
	kct = kore_json_find(root, "key_change_tokens", KORE_JSON_TYPE_ARRAY);
	if (kct != NULL) {
		n = 0;
		TAILQ_FOREACH(it, &kct->data.items, list) {
			char	label[48];

			if (it->type != KORE_JSON_TYPE_STRING)
				continue;
			snprintf(label, sizeof(label), "Token ganti kunci %d "
			    "(masukkan dulu)", ++n);
			token_row(&b, label, it->data.string);
		}
	}
	token = str(root, "token");
	if (token[0] != '\0')
		token_row(&b, "TOKEN", token);
	else {
		LIT(&b, "<tr><th>Status</th><td>");
		html_text(&b, state);
		LIT(&b, "</td></tr>\n");
	}
	LIT(&b, "</table>\n");
	footer = NULL;
	{
		int			 counter;
		struct hs_plugin_slot	*slot;

		slot = hs_vend_provider(str(root, "provider"), &counter);
		if (slot != NULL)
			footer = hs_conf_plugin_setting(slot->conf,
			    "receipt_footer");
	}
	LIT(&b, "<p class=\"foot\">");
	html_text(&b, footer ? footer : "Simpan struk ini. Masukkan token "
	    "di meter Anda atau kirim lewat aplikasi.");
	LIT(&b, "</p>\n<button onclick=\"print()\">Cetak / "
	    "Print</button>\n</body></html>\n");
	kore_json_cleanup(&j);
	http_response_header(r->http, "cache-control", "no-store");
	{
		int	rc;

		rc = hs_reply(r, 200, "text/html; charset=utf-8", b.data,
		    b.offset);
		kore_buf_cleanup(&b);
		return (rc);
	}
}

int
hs_vend_receipt(struct hs_req *r)
{
	char		 utility[24], id[24], only[24];
	const char	*params[3], *scope;

	if (r->phase > 0)
		return (receipt_reply(r));
	if (hs_api_id(r, 0, id) == -1)
		return (HS_DONE);
	scope = hs_api_scope(r, utility, only);
	params[0] = utility;
	params[1] = id;
	params[2] = scope;
	return (hs_req_query(r, "SELECT hs_api_receipt($1, $2, $3)", 3,
	    params));
}
