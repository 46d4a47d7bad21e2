/*
 * The hydrosync.conf parser.  Line based, like Kore's own: a directive name,
 * white space, then its arguments.  '#' starts a comment line.  The
 * directives live in one table so that the documentation, the parser and
 * the tests agree on the same list.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hydrosync/plugin.h"
#include "conf/conf.h"

#define CONF_ARGS_MAX	4

struct conf_parse {
	struct hs_config	*conf;
	const char		*name;
	int			line;
	char			*err;
	size_t			errlen;
};

struct directive {
	const char	*name;
	int		min_args;
	int		max_args;	/* the last argument takes the rest */
	int		(*parse)(struct conf_parse *, char **, int);
};

static int	conf_bind(struct conf_parse *, char **, int);
static int	conf_workers(struct conf_parse *, char **, int);
static int	conf_database(struct conf_parse *, char **, int);
static int	conf_db_conn_max(struct conf_parse *, char **, int);
static int	conf_webroot(struct conf_parse *, char **, int);
static int	conf_runas(struct conf_parse *, char **, int);
static int	conf_log_format(struct conf_parse *, char **, int);
static int	conf_diagnostics(struct conf_parse *, char **, int);
static int	conf_access_log(struct conf_parse *, char **, int);
static int	conf_body_max(struct conf_parse *, char **, int);
static int	conf_max_conns(struct conf_parse *, char **, int);
static int	conf_node_name(struct conf_parse *, char **, int);
static int	conf_public_url(struct conf_parse *, char **, int);
static int	conf_job_lease(struct conf_parse *, char **, int);
static int	conf_reconcile(struct conf_parse *, char **, int);
static int	conf_meter_keys(struct conf_parse *, char **, int);
static int	conf_partner(struct conf_parse *, char **, int);
static int	conf_proxy(struct conf_parse *, char **, int);
static int	conf_plugin(struct conf_parse *, char **, int);
static int	conf_set(struct conf_parse *, char **, int);

static const struct directive directives[] = {
	{ "bind",		2, 2, conf_bind },
	{ "workers",		1, 1, conf_workers },
	{ "database",		1, 1, conf_database },
	{ "database_connections", 1, 1, conf_db_conn_max },
	{ "webroot",		1, 1, conf_webroot },
	{ "runas",		1, 1, conf_runas },
	{ "log_format",		1, 1, conf_log_format },
	{ "diagnostics",	1, 1, conf_diagnostics },
	{ "access_log",		1, 1, conf_access_log },
	{ "http_body_max",	1, 1, conf_body_max },
	{ "max_connections",	1, 1, conf_max_conns },
	{ "node_name",		1, 1, conf_node_name },
	{ "public_url",		1, 1, conf_public_url },
	{ "job_lease",		1, 1, conf_job_lease },
	{ "reconcile_interval", 1, 1, conf_reconcile },
	{ "meter_key_master",	1, 1, conf_meter_keys },
	{ "biller_partner",	3, 3, conf_partner },
	{ "trusted_proxy",	1, 1, conf_proxy },
	{ "plugin",		3, 3, conf_plugin },
	{ "set",		3, 3, conf_set },
	{ NULL,			0, 0, NULL }
};

static int	conf_error(struct conf_parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
conf_error(struct conf_parse *p, const char *fmt, ...)
{
	va_list		ap;
	int		n;

	n = snprintf(p->err, p->errlen, "%s:%d: ", p->name, p->line);
	if (n < 0 || (size_t)n >= p->errlen)
		return (-1);
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	return (-1);
}

static int
conf_number(struct conf_parse *p, const char *what, const char *s,
    long long min, long long max, long long *out)
{
	char		*end;
	long long	v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return (conf_error(p, "%s must be a number from %lld to %lld, "
		    "not '%s'", what, min, max, s));
	*out = v;
	return (0);
}

static int
conf_copy(struct conf_parse *p, const char *what, char *dst, size_t len,
    const char *src)
{
	if (strlen(src) >= len)
		return (conf_error(p, "%s is longer than %zu characters",
		    what, len - 1));
	memcpy(dst, src, strlen(src) + 1);
	return (0);
}

static int
conf_bool(struct conf_parse *p, const char *what, const char *s, int *out)
{
	if (!strcmp(s, "yes") || !strcmp(s, "on")) {
		*out = 1;
		return (0);
	}
	if (!strcmp(s, "no") || !strcmp(s, "off")) {
		*out = 0;
		return (0);
	}
	return (conf_error(p, "%s must be yes or no, not '%s'", what, s));
}

static int
conf_bind(struct conf_parse *p, char **argv, int argc)
{
	long long	port;

	(void)argc;
	if (conf_copy(p, "bind address", p->conf->bind_addr,
	    sizeof(p->conf->bind_addr), argv[0]) == -1)
		return (-1);
	if (conf_number(p, "bind port", argv[1], 1, 65535, &port) == -1)
		return (-1);
	p->conf->port = (uint16_t)port;
	return (0);
}

static int
conf_workers(struct conf_parse *p, char **argv, int argc)
{
	long long	v;

	(void)argc;
	if (conf_number(p, "workers", argv[0], 1, 64, &v) == -1)
		return (-1);
	p->conf->workers = (int)v;
	return (0);
}

static int
conf_database(struct conf_parse *p, char **argv, int argc)
{
	(void)argc;
	return (conf_copy(p, "database", p->conf->database,
	    sizeof(p->conf->database), argv[0]));
}

static int
conf_db_conn_max(struct conf_parse *p, char **argv, int argc)
{
	long long	v;

	(void)argc;
	if (conf_number(p, "database_connections", argv[0], 1, 256, &v) == -1)
		return (-1);
	p->conf->db_conn_max = (int)v;
	return (0);
}

static int
conf_webroot(struct conf_parse *p, char **argv, int argc)
{
	(void)argc;
	return (conf_copy(p, "webroot", p->conf->webroot,
	    sizeof(p->conf->webroot), argv[0]));
}

static int
conf_runas(struct conf_parse *p, char **argv, int argc)
{
	(void)argc;
	return (conf_copy(p, "runas", p->conf->runas,
	    sizeof(p->conf->runas), argv[0]));
}

static int
conf_log_format(struct conf_parse *p, char **argv, int argc)
{
	(void)argc;
	if (!strcmp(argv[0], "json"))
		p->conf->log_json = 1;
	else if (!strcmp(argv[0], "text"))
		p->conf->log_json = 0;
	else
		return (conf_error(p, "log_format must be json or text, "
		    "not '%s'", argv[0]));
	return (0);
}

static int
conf_diagnostics(struct conf_parse *p, char **argv, int argc)
{
	(void)argc;
	return (conf_bool(p, "diagnostics", argv[0], &p->conf->diagnostics));
}

static int
conf_access_log(struct conf_parse *p, char **argv, int argc)
{
	(void)argc;
	return (conf_bool(p, "access_log", argv[0], &p->conf->access_log));
}

/*
 * Connections the node holds (HTTP and WebSocket), shared evenly by its
 * workers.  Kore's accept lock stays with one worker until that worker
 * is full, so the per-worker share is also what spreads long-lived
 * sockets over the workers: size it to the sockets the node should hold.
 */
static int
conf_max_conns(struct conf_parse *p, char **argv, int argc)
{
	long long	v;

	(void)argc;
	if (conf_number(p, "max_connections", argv[0], 16, 1000000, &v) == -1)
		return (-1);
	p->conf->max_conns = (int)v;
	return (0);
}

static int
conf_body_max(struct conf_parse *p, char **argv, int argc)
{
	long long	v;

	(void)argc;
	if (conf_number(p, "http_body_max", argv[0], 1024,
	    64LL * 1024 * 1024, &v) == -1)
		return (-1);
	p->conf->body_max = (size_t)v;
	return (0);
}

static int
conf_node_name(struct conf_parse *p, char **argv, int argc)
{
	(void)argc;
	return (conf_copy(p, "node_name", p->conf->node_name,
	    sizeof(p->conf->node_name), argv[0]));
}

static int
conf_public_url(struct conf_parse *p, char **argv, int argc)
{
	size_t	len = strlen(argv[0]);

	(void)argc;
	if ((strncmp(argv[0], "http://", 7) && strncmp(argv[0], "https://", 8)) ||
	    len < 10 || argv[0][len - 1] == '/')
		return (conf_error(p, "public_url must be an http:// or https:// "
		    "URL without a trailing slash, not '%s'", argv[0]));
	return (conf_copy(p, "public_url", p->conf->public_url,
	    sizeof(p->conf->public_url), argv[0]));
}

static int
conf_job_lease(struct conf_parse *p, char **argv, int argc)
{
	long long	v;

	(void)argc;
	if (conf_number(p, "job_lease", argv[0], 1, 3600, &v) == -1)
		return (-1);
	p->conf->job_lease = (int)v;
	return (0);
}

static int
conf_meter_keys(struct conf_parse *p, char **argv, int argc)
{
	size_t	len = strlen(argv[0]);

	(void)argc;
	if (strncmp(argv[0], "file:", 5) && strncmp(argv[0], "env:", 4) &&
	    (len != 32 || strspn(argv[0], "0123456789abcdefABCDEF") != 32))
		return (conf_error(p, "meter_key_master must be 32 hex digits, "
		    "file:PATH or env:VAR"));
	return (conf_copy(p, "meter_key_master", p->conf->meter_key_master,
	    sizeof(p->conf->meter_key_master), argv[0]));
}

/*
 * biller_partner NAME UTILITY SECRET: a bank or aggregator that pays the
 * utility's bills host to host, signing with SECRET (at least 32
 * characters, or file:PATH / env:VAR).
 */
static int
conf_partner(struct conf_parse *p, char **argv, int argc)
{
	struct hs_conf_partner	*b;
	size_t			 i;

	(void)argc;
	if (p->conf->npartners == HS_CONF_PARTNERS_MAX)
		return (conf_error(p, "at most %d biller partners",
		    HS_CONF_PARTNERS_MAX));
	if (strspn(argv[0], "abcdefghijklmnopqrstuvwxyz0123456789-_") !=
	    strlen(argv[0]) || strlen(argv[0]) >= HS_CONF_NAME_MAX)
		return (conf_error(p, "biller_partner: the name is lower-case "
		    "letters, digits, - and _"));
	for (i = 0; i < p->conf->npartners; i++) {
		if (!strcmp(p->conf->partners[i].name, argv[0]))
			return (conf_error(p, "biller_partner %s twice",
			    argv[0]));
	}
	if (strncmp(argv[2], "file:", 5) && strncmp(argv[2], "env:", 4) &&
	    strlen(argv[2]) < 32)
		return (conf_error(p, "biller_partner: the secret needs at "
		    "least 32 characters (or file:PATH, env:VAR)"));
	b = &p->conf->partners[p->conf->npartners];
	if (conf_copy(p, "biller_partner", b->name, sizeof(b->name),
	    argv[0]) == -1 || conf_copy(p, "biller_partner", b->utility,
	    sizeof(b->utility), argv[1]) == -1 || conf_copy(p,
	    "biller_partner", b->secret, sizeof(b->secret), argv[2]) == -1)
		return (-1);
	p->conf->npartners++;
	return (0);
}

/*
 * trusted_proxy ADDR: a reverse proxy (nginx) whose X-Forwarded-For the
 * core believes for the client's address (login throttling, logs).  From
 * any other peer the header is ignored.
 */
static int
conf_proxy(struct conf_parse *p, char **argv, int argc)
{
	unsigned char	buf[16];

	(void)argc;
	if (p->conf->nproxies == 8)
		return (conf_error(p, "at most 8 trusted_proxy lines"));
	if (inet_pton(AF_INET, argv[0], buf) != 1 &&
	    inet_pton(AF_INET6, argv[0], buf) != 1)
		return (conf_error(p, "trusted_proxy: an IPv4 or IPv6 address, "
		    "not %s", argv[0]));
	return (conf_copy(p, "trusted_proxy",
	    p->conf->proxies[p->conf->nproxies++], 64, argv[0]));
}

static int
conf_reconcile(struct conf_parse *p, char **argv, int argc)
{
	long long	v;

	(void)argc;
	if (conf_number(p, "reconcile_interval", argv[0], 10, 86400,
	    &v) == -1)
		return (-1);
	p->conf->reconcile_interval = (int)v;
	return (0);
}

static int
valid_name(const char *s)
{
	if (*s == '\0')
		return (0);
	for (; *s != '\0'; s++) {
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    *s != '-' && *s != '_')
			return (0);
	}
	return (1);
}

static struct hs_conf_plugin *
find_plugin(struct hs_config *conf, const char *name)
{
	size_t		i;

	for (i = 0; i < conf->nplugins; i++) {
		if (!strcmp(conf->plugins[i].name, name))
			return (&conf->plugins[i]);
	}
	return (NULL);
}

static int
conf_plugin(struct conf_parse *p, char **argv, int argc)
{
	struct hs_conf_plugin	*pl;
	uint32_t		kind;

	(void)argc;
	if (strlen(argv[0]) >= HS_CONF_NAME_MAX)
		return (conf_error(p, "plugin name is longer than %d characters",
		    HS_CONF_NAME_MAX - 1));
	if (!valid_name(argv[0]))
		return (conf_error(p, "plugin name '%s' must be lower case "
		    "letters, digits, '-' or '_'", argv[0]));
	if ((pl = find_plugin(p->conf, argv[0])) != NULL)
		return (conf_error(p, "duplicate plugin name '%s' (first on "
		    "line %d)", argv[0], pl->line));
	if ((kind = hs_conf_kind_parse(argv[1])) == 0)
		return (conf_error(p, "plugin kind must be payment, transport "
		    "or hsm, not '%s'", argv[1]));
	if (p->conf->nplugins == HS_CONF_PLUGINS_MAX)
		return (conf_error(p, "more than %d plugins",
		    HS_CONF_PLUGINS_MAX));
	pl = &p->conf->plugins[p->conf->nplugins];
	memset(pl, 0, sizeof(*pl));
	if (conf_copy(p, "plugin path", pl->path, sizeof(pl->path),
	    argv[2]) == -1)
		return (-1);
	memcpy(pl->name, argv[0], strlen(argv[0]) + 1);
	pl->kind = kind;
	pl->line = p->line;
	p->conf->nplugins++;
	return (0);
}

static int
conf_set(struct conf_parse *p, char **argv, int argc)
{
	struct hs_conf_plugin	*pl;
	struct hs_conf_setting	*s;
	size_t			i;

	(void)argc;
	if ((pl = find_plugin(p->conf, argv[0])) == NULL)
		return (conf_error(p, "set for unknown plugin '%s' (declare it "
		    "with a plugin line first)", argv[0]));
	for (i = 0; i < pl->nsettings; i++) {
		if (!strcmp(pl->settings[i].key, argv[1]))
			return (conf_error(p, "setting '%s' of plugin '%s' is "
			    "set twice", argv[1], argv[0]));
	}
	if (pl->nsettings == HS_CONF_SETTINGS_MAX)
		return (conf_error(p, "plugin '%s' has more than %d settings",
		    argv[0], HS_CONF_SETTINGS_MAX));
	s = &pl->settings[pl->nsettings];
	if (conf_copy(p, "setting name", s->key, sizeof(s->key),
	    argv[1]) == -1)
		return (-1);
	if (conf_copy(p, "setting value", s->value, sizeof(s->value),
	    argv[2]) == -1)
		return (-1);
	pl->nsettings++;
	return (0);
}

/*
 * Split a line into at most max words; the last word takes the rest of the
 * line (so a database conninfo or a setting value may contain spaces).
 */
static int
split(char *line, char **argv, int max)
{
	int		argc;

	argc = 0;
	while (*line != '\0' && argc < max) {
		while (isspace((unsigned char)*line))
			line++;
		if (*line == '\0')
			break;
		argv[argc++] = line;
		if (argc == max)
			break;
		while (*line != '\0' && !isspace((unsigned char)*line))
			line++;
		if (*line != '\0')
			*line++ = '\0';
	}
	return (argc);
}

static void
defaults(struct hs_config *conf)
{
	memset(conf, 0, sizeof(*conf));
	snprintf(conf->bind_addr, sizeof(conf->bind_addr), "127.0.0.1");
	conf->port = 8888;
	conf->workers = 2;
	conf->db_conn_max = 4;
	conf->log_json = 1;
	conf->access_log = 1;
	conf->body_max = 1024 * 1024;
	conf->max_conns = 16384;
	snprintf(conf->webroot, sizeof(conf->webroot), "web");
	snprintf(conf->node_name, sizeof(conf->node_name), "node1");
	conf->job_lease = 60;
	conf->reconcile_interval = 300;
}

static int
parse_line(struct conf_parse *p, char *line)
{
	const struct directive	*d;
	char			*argv[CONF_ARGS_MAX + 1], *end, *name;
	int			argc;

	while (isspace((unsigned char)*line))
		line++;
	end = line + strlen(line);
	while (end > line && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (*line == '\0' || *line == '#')
		return (0);

	name = line;
	while (*line != '\0' && !isspace((unsigned char)*line))
		line++;
	if (*line != '\0')
		*line++ = '\0';
	for (d = directives; d->name != NULL; d++) {
		if (!strcmp(d->name, name))
			break;
	}
	if (d->name == NULL)
		return (conf_error(p, "unknown directive '%s'", name));

	argc = split(line, argv, d->max_args);
	if (argc < d->min_args)
		return (conf_error(p, "%s needs %d argument%s", d->name,
		    d->min_args, d->min_args == 1 ? "" : "s"));
	return (d->parse(p, argv, argc));
}

int
hs_conf_parse(const char *buf, size_t len, const char *name,
    struct hs_config *conf, char *err, size_t errlen)
{
	struct conf_parse	p;
	char			line[HS_CONF_VALUE_MAX + 256];
	size_t			i, n;

	defaults(conf);
	memset(&p, 0, sizeof(p));
	p.conf = conf;
	p.name = name;
	p.err = err;
	p.errlen = errlen;

	for (i = 0; i < len; ) {
		p.line++;
		for (n = 0; i < len && buf[i] != '\n'; i++) {
			if (buf[i] == '\0')
				return (conf_error(&p, "NUL byte in file"));
			if (n == sizeof(line) - 1)
				return (conf_error(&p, "line longer than %zu "
				    "characters", sizeof(line) - 1));
			line[n++] = buf[i] == '\t' ? ' ' : buf[i];
		}
		line[n] = '\0';
		i++;
		if (parse_line(&p, line) == -1)
			return (-1);
	}
	return (0);
}

int
hs_conf_load(const char *path, struct hs_config *conf, char *err,
    size_t errlen)
{
	FILE		*fp;
	char		*buf;
	long		len;
	const char	*port;
	int		r;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fseek(fp, 0, SEEK_END) == -1 || (len = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) == -1 || len > 4 * 1024 * 1024) {
		snprintf(err, errlen, "%s: cannot read (too large?)", path);
		fclose(fp);
		return (-1);
	}
	if ((buf = malloc((size_t)len + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		fclose(fp);
		return (-1);
	}
	if (fread(buf, 1, (size_t)len, fp) != (size_t)len) {
		snprintf(err, errlen, "%s: read error", path);
		free(buf);
		fclose(fp);
		return (-1);
	}
	fclose(fp);
	r = hs_conf_parse(buf, (size_t)len, path, conf, err, errlen);
	free(buf);
	if (r == -1)
		return (-1);
	if (strlen(path) < sizeof(conf->path))
		memcpy(conf->path, path, strlen(path) + 1);

	if ((port = getenv("HS_PORT")) != NULL && *port != '\0') {
		char	*end;
		long	v;

		v = strtol(port, &end, 10);
		if (*end != '\0' || v < 1 || v > 65535) {
			snprintf(err, errlen, "HS_PORT must be a port number "
			    "from 1 to 65535, not '%s'", port);
			return (-1);
		}
		conf->port = (uint16_t)v;
	}
	return (0);
}

uint32_t
hs_conf_kind_parse(const char *name)
{
	if (!strcmp(name, "payment"))
		return (HS_KIND_PAYMENT);
	if (!strcmp(name, "transport"))
		return (HS_KIND_TRANSPORT);
	if (!strcmp(name, "hsm"))
		return (HS_KIND_HSM);
	return (0);
}

const char *
hs_conf_kind_name(uint32_t kind)
{
	switch (kind) {
	case HS_KIND_PAYMENT:
		return ("payment");
	case HS_KIND_TRANSPORT:
		return ("transport");
	case HS_KIND_HSM:
		return ("hsm");
	}
	return (NULL);
}

const char *
hs_conf_plugin_setting(const struct hs_conf_plugin *plugin, const char *key)
{
	size_t		i;

	for (i = 0; i < plugin->nsettings; i++) {
		if (!strcmp(plugin->settings[i].key, key))
			return (plugin->settings[i].value);
	}
	return (NULL);
}
