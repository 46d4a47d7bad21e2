/*
 * Just enough HTTP/1.1 for a webhook endpoint: a request head parsed into
 * struct rcv_request, Content-Length bodies (no chunked uploads: 501),
 * keep-alive, "Expect: 100-continue", and replies formatted as bytes.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "receiver.h"

static int
is_tchar(int c)
{
	return (isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c)));
}

/* The request line: METHOD SP /target SP HTTP/1.x */
static int
parse_request_line(char *line, struct rcv_request *req)
{
	char	*sp1, *sp2, *q, *p;

	if ((sp1 = strchr(line, ' ')) == NULL ||
	    (sp2 = strchr(sp1 + 1, ' ')) == NULL || strchr(sp2 + 1, ' '))
		return (400);
	*sp1 = *sp2 = '\0';
	for (p = line; *p != '\0'; p++)
		if (!is_tchar((unsigned char)*p))
			return (400);
	if (line[0] == '\0' || sp1[1] != '/')
		return (400);
	if (strncmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return (strncmp(sp2 + 1, "HTTP/", 5) == 0 ? 505 : 400);
	if (strcmp(sp2 + 8, "0") == 0)
		req->minor = 0;
	else if (strcmp(sp2 + 8, "1") == 0)
		req->minor = 1;
	else
		return (505);
	req->method = line;
	req->path = sp1 + 1;
	if ((q = strchr(sp1 + 1, '?')) != NULL) {
		*q = '\0';
		req->query = q + 1;
	} else
		req->query = "";
	return (0);
}

/* One "Name: value" line, value trimmed of blanks. */
static int
parse_header(char *line, struct rcv_request *req)
{
	char	*colon, *v, *e, *p;

	if ((colon = strchr(line, ':')) == NULL || colon == line)
		return (400);
	for (p = line; p < colon; p++)
		if (!is_tchar((unsigned char)*p))
			return (400);	/* also refuses obs-fold */
	*colon = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	e = v + strlen(v);
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	for (p = v; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return (400);
	if (req->nheaders == RCV_HEADERS_MAX)
		return (431);
	req->headers[req->nheaders].name = line;
	req->headers[req->nheaders++].value = v;
	return (0);
}

/* Does a comma-separated header value hold token (no case)? */
static int
has_token(const char *value, const char *token)
{
	size_t		 n = strlen(token);
	const char	*p = value;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (strncasecmp(p, token, n) == 0 && (p[n] == '\0' ||
		    p[n] == ',' || p[n] == ' ' || p[n] == '\t'))
			return (1);
		p = strchr(p, ',');
	}
	return (0);
}

/* Content-Length, Transfer-Encoding, Connection, Expect. */
static int
framing(struct rcv_request *req)
{
	const char		*cl = NULL, *v;
	unsigned long long	 n;
	size_t			 i;
	char			*end;

	if (rcv_header(req, "Transfer-Encoding") != NULL)
		return (501);
	for (i = 0; i < req->nheaders; i++) {
		if (strcasecmp(req->headers[i].name, "Content-Length"))
			continue;
		if (cl != NULL && strcmp(cl, req->headers[i].value))
			return (400);
		cl = req->headers[i].value;
	}
	req->body_len = 0;
	if (cl != NULL) {
		if (!isdigit((unsigned char)cl[0]) || strlen(cl) > 12)
			return (400);
		n = strtoull(cl, &end, 10);
		if (*end != '\0')
			return (400);
		if (n > RCV_BODY_MAX)
			return (413);
		req->body_len = (size_t)n;
	}
	v = rcv_header(req, "Connection");
	if (req->minor == 1)
		req->keep_alive = v == NULL || !has_token(v, "close");
	else
		req->keep_alive = v != NULL && has_token(v, "keep-alive");
	v = rcv_header(req, "Expect");
	req->expect_continue = v != NULL && strcasecmp(v, "100-continue") == 0;
	return (0);
}

int
rcv_parse_head(const char *buf, size_t len, struct rcv_request *req)
{
	const char	*end;
	char		*line, *next;
	size_t		 hl;
	int		 rc;

	if ((end = memmem(buf, len, "\r\n\r\n", 4)) == NULL)
		return (len > RCV_HEAD_MAX ? 431 : 0);
	hl = (size_t)(end - buf) + 4;
	if (hl > RCV_HEAD_MAX)
		return (431);
	if (memchr(buf, '\0', hl) != NULL)
		return (400);
	memset(req, 0, sizeof(*req));
	memcpy(req->head, buf, hl);
	req->head[hl - 2] = '\0';	/* the head ends in one "\r\n" */
	req->head_len = hl;

	line = req->head;
	next = strstr(line, "\r\n");
	*next = '\0';
	if ((rc = parse_request_line(line, req)) != 0)
		return (rc);
	for (line = next + 2; *line != '\0'; line = next + 2) {
		if ((next = strstr(line, "\r\n")) == NULL)
			return (400);
		*next = '\0';
		if ((rc = parse_header(line, req)) != 0)
			return (rc);
	}
	if ((rc = framing(req)) != 0)
		return (rc);
	return (1);
}

const char *
rcv_header(const struct rcv_request *req, const char *name)
{
	size_t	i;

	for (i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return (req->headers[i].value);
	return (NULL);
}

int
rcv_query(const char *query, const char *key, char *out, size_t len)
{
	const char	*p = query, *amp;
	size_t		 k = strlen(key), n;

	while (p != NULL && *p != '\0') {
		amp = strchr(p, '&');
		n = amp != NULL ? (size_t)(amp - p) : strlen(p);
		if (n > k && strncmp(p, key, k) == 0 && p[k] == '=') {
			if (n - k - 1 >= len)
				return (-1);
			memcpy(out, p + k + 1, n - k - 1);
			out[n - k - 1] = '\0';
			return (0);
		}
		p = amp != NULL ? amp + 1 : NULL;
	}
	return (-1);
}

const char *
rcv_reason(int status)
{
	switch (status) {
	case 100: return ("Continue");
	case 200: return ("OK");
	case 400: return ("Bad Request");
	case 401: return ("Unauthorized");
	case 404: return ("Not Found");
	case 405: return ("Method Not Allowed");
	case 408: return ("Request Timeout");
	case 410: return ("Gone");
	case 413: return ("Content Too Large");
	case 429: return ("Too Many Requests");
	case 431: return ("Request Header Fields Too Large");
	case 500: return ("Internal Server Error");
	case 501: return ("Not Implemented");
	case 502: return ("Bad Gateway");
	case 503: return ("Service Unavailable");
	case 504: return ("Gateway Timeout");
	case 505: return ("HTTP Version Not Supported");
	default: return (status < 500 ? "Client Error" : "Server Error");
	}
}

char *
rcv_format(const struct rcv_reply *r, int keep_alive, size_t *len)
{
	char	*out;
	size_t	 cap;
	int	 n;

	cap = 256 + strlen(r->extra) + r->body_len;
	if ((out = malloc(cap)) == NULL)
		return (NULL);
	n = snprintf(out, cap, "HTTP/1.1 %d %s\r\n%s%sContent-Length: %zu\r\n"
	    "Connection: %s\r\n%s\r\n", r->status, rcv_reason(r->status),
	    r->body != NULL ? "Content-Type: application/json\r\n" : "",
	    "Cache-Control: no-store\r\n", r->body_len,
	    keep_alive ? "keep-alive" : "close", r->extra);
	if (n < 0 || (size_t)n + r->body_len >= cap) {
		free(out);
		return (NULL);
	}
	if (r->body_len > 0)
		memcpy(out + n, r->body, r->body_len);
	*len = (size_t)n + r->body_len;
	return (out);
}
