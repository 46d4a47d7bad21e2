#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "obs/log.h"

static char	log_node[64] = "node1";
static int	log_worker;
static int	log_json = 1;

static const char *
level_name(int level)
{
	switch (level) {
	case HS_LOG_ERR:
		return ("error");
	case HS_LOG_WARNING:
		return ("warning");
	case HS_LOG_NOTICE:
		return ("notice");
	case HS_LOG_INFO:
		return ("info");
	}
	return ("debug");
}

void
hs_log_setup(const char *node, int worker_id, int json)
{
	snprintf(log_node, sizeof(log_node), "%s", node);
	log_worker = worker_id;
	log_json = json;
}

/* Append s to buf as the inside of a JSON string. */
static size_t
json_escape(char *buf, size_t len, size_t off, const char *s)
{
	static const char	hex[] = "0123456789abcdef";
	unsigned char		c;

	for (; *s != '\0' && off + 7 < len; s++) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf[off++] = '\\';
			buf[off++] = c;
		} else if (c < 0x20) {
			buf[off++] = '\\';
			buf[off++] = 'u';
			buf[off++] = '0';
			buf[off++] = '0';
			buf[off++] = hex[c >> 4];
			buf[off++] = hex[c & 0xf];
		} else {
			buf[off++] = c;
		}
	}
	return (off);
}

void
hs_logv(int level, const char *event, const char *source, const char *fmt,
    va_list ap)
{
	char		msg[2048], line[4096], ts[40];
	struct timeval	tv;
	struct tm	tm;
	size_t		off;
	int		n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = (int)strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%03dZ", (int)(tv.tv_usec / 1000));

	if (!log_json) {
		fprintf(stderr, "%s %s [%s/%d] %s%s%s: %s\n", ts,
		    level_name(level), log_node, log_worker,
		    source ? source : "", source ? " " : "", event, msg);
		return;
	}
	off = (size_t)snprintf(line, sizeof(line), "{\"ts\":\"%s\",\"level\":"
	    "\"%s\",\"node\":\"", ts, level_name(level));
	off = json_escape(line, sizeof(line), off, log_node);
	off += (size_t)snprintf(line + off, sizeof(line) - off,
	    "\",\"worker\":%d,\"pid\":%d,\"event\":\"", log_worker,
	    (int)getpid());
	off = json_escape(line, sizeof(line), off, event);
	if (source != NULL) {
		off += (size_t)snprintf(line + off, sizeof(line) - off,
		    "\",\"source\":\"");
		off = json_escape(line, sizeof(line), off, source);
	}
	off += (size_t)snprintf(line + off, sizeof(line) - off,
	    "\",\"msg\":\"");
	off = json_escape(line, sizeof(line), off, msg);
	if (off + 3 < sizeof(line)) {
		line[off++] = '"';
		line[off++] = '}';
		line[off++] = '\n';
	}
	/* One write() per line keeps lines from several workers whole. */
	if (write(STDERR_FILENO, line, off) == -1)
		return;
}

void
hs_log(int level, const char *event, const char *fmt, ...)
{
	va_list		ap;

	va_start(ap, fmt);
	hs_logv(level, event, NULL, fmt, ap);
	va_end(ap);
}
