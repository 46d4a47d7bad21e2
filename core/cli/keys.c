/*
 * hydrosync keys: key ceremonies for the configured hsm plugin.
 *
 * The operations the plugin ABI has (list, health, key change tokens,
 * provisioning records) run through the plugin itself, loaded with the
 * same loader and a small CLI-side host, so the command line exercises
 * the code path the server uses.  The operations the ABI leaves out on
 * purpose (creating a keystore or token, generating and importing vending
 * keys) call the backends' own code: the soft plugin's keystore
 * (plugins/hsm/soft/keystore.c) or the PKCS#11 layer
 * (plugins/hsm/pkcs11/p11.c), both compiled into this program.
 *
 * Every command emits exactly one audit event through keys_audit(): who,
 * when, what, which key, the outcome, never key bytes.  It goes into the
 * database's hash-chained audit log when hydrosync.conf names a database,
 * and as a JSON line (fsync()ed) into the file named by --audit-log or
 * $HS_AUDIT_LOG; without either, no command runs.  Destructive steps ask for "yes" on the terminal unless
 * --yes is given.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cli/cli.h"
#include <libpq-fe.h>

#include "conf/conf.h"
#include "plugin/loader.h"
#include "sts/sts.h"
#include "../../plugins/hsm/soft/keystore.h"
#include "../../plugins/hsm/pkcs11/p11.h"

#define EXIT_USAGE	2
#define LIST_MAX	65536
#define CSV_LINE_MAX	256
#define USAGE		(-3)	/* a command line error: exit 2 */

/* Option ids double as bit numbers in keyopts.seen. */
enum optid {
	O_SGC, O_KRN, O_DKGA, O_KEY_FILE, O_REPLACE, O_METERS, O_NEW_KRN,
	O_NEW_SGC, O_NEW_TI, O_NEW_KT, O_NEW_BASE, O_NEW_DKGA, O_KEN,
	O_ROLLOVER, O_PAN, O_TI, O_KT, O_EA, O_BASE, O_SO_PIN_FILE, O_FACTORY,
	O_UTILITY,
	O_COUNT
};

struct optdef {
	const char	*name;
	enum optid	 id;
	int		 has_arg;
	unsigned long	 max;	/* numeric options: largest value */
};

static const struct optdef optdefs[] = {
	{ "sgc", O_SGC, 1, 999999 },
	{ "krn", O_KRN, 1, 15 },
	{ "dkga", O_DKGA, 1, 4 },
	{ "key-file", O_KEY_FILE, 1, 0 },
	{ "replace", O_REPLACE, 0, 0 },
	{ "meters", O_METERS, 1, 0 },
	{ "new-krn", O_NEW_KRN, 1, 15 },
	{ "new-sgc", O_NEW_SGC, 1, 999999 },
	{ "new-ti", O_NEW_TI, 1, 99 },
	{ "new-kt", O_NEW_KT, 1, 3 },
	{ "new-base-date", O_NEW_BASE, 1, 2035 },
	{ "new-dkga", O_NEW_DKGA, 1, 4 },
	{ "ken", O_KEN, 1, 255 },
	{ "rollover", O_ROLLOVER, 0, 0 },
	{ "pan", O_PAN, 1, 0 },
	{ "ti", O_TI, 1, 99 },
	{ "kt", O_KT, 1, 3 },
	{ "ea", O_EA, 1, 11 },
	{ "base-date", O_BASE, 1, 2035 },
	{ "so-pin-file", O_SO_PIN_FILE, 1, 0 },
	{ "factory", O_FACTORY, 0, 0 },
	{ "utility", O_UTILITY, 1, 0 },
};

struct keyopts {
	const char	*config;
	const char	*plugin;
	const char	*audit_log;
	const char	*actor;
	int		 yes;
	const char	*command;
	unsigned long	 seen;
	unsigned long	 num[O_COUNT];
	const char	*str[O_COUNT];
};

/* What the command needs: an opened plugin, and for ABI ops an init. */
struct session {
	PGconn			*db;	/* the audit chain, when configured */
	struct hs_config	conf;
	struct hs_plugin_slot	slot;
	struct hs_host		host;
	const struct hs_hsm_ops	*ops;
	int			 soft;	/* soft-hsm, else pkcs11-hsm */
	int			 audit_fd;
	char			 actor[64];
};

#define SEEN(o, id)	(((o)->seen >> (id)) & 1)

static int
bad(const char *opt, const char *why)
{
	fprintf(stderr, "hydrosync keys: --%s: %s\n", opt, why);
	return (-1);
}

static void
usage(FILE *out)
{
	fprintf(out,
"usage: hydrosync keys [--config FILE] [--plugin NAME] [--audit-log FILE]\n"
"                      [--actor NAME] [--yes] COMMAND [OPTIONS]\n"
"\n"
"commands (the hsm plugin is the one configured in FILE, default $HS_CONF):\n"
"  create      soft: create an empty keystore; pkcs11: initialise a fresh\n"
"              token with the configured label (--so-pin-file FILE)\n"
"  generate    --sgc N --krn N --dkga 02|04   new random vending key\n"
"  import      --sgc N --krn N --dkga 02|04 --key-file FILE|- [--replace]\n"
"              vending key from hex; pkcs11: --factory --key-file FILE\n"
"              imports the factory wrapping key (AES-256)\n"
"  list        the keys held (never their bytes)\n"
"  health      is the plugin usable\n"
"  rotate      --sgc N --krn NEW --dkga 02|04   generate the next revision\n"
"  kct         (--meters CSV | --utility CODE --sgc N --krn N) --new-krn N\n"
"              [--new-sgc N] [--new-ti N]\n"
"              [--new-kt N] [--new-base-date Y] [--new-dkga 02|04]\n"
"              [--ken N] [--rollover]   key change tokens, one CSV line per\n"
"              meter; CSV columns: pan,sgc,ti,krn,kt,ea,dkga,base_date\n"
"  provision   --pan P --sgc N --ti N --krn N --kt N --ea 07|11\n"
"              --dkga 02|04 --base-date Y [--ken N]   factory record\n"
"\n"
"Every command records one event: in the database's audit chain when FILE\n"
"names a database, and as a JSON line in --audit-log (or $HS_AUDIT_LOG);\n"
"one of the two is required.  create, rotate, kct and import --replace\n"
"ask for 'yes' on the terminal unless --yes is given.\n");
}

/* ------------------------------------------------------------- parsing */

static int
parse_num(const struct optdef *d, const char *v, unsigned long *out)
{
	char		*end;
	unsigned long	 n;

	if (*v == '\0' || !isdigit((unsigned char)*v))
		return (bad(d->name, "not a decimal number"));
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n > d->max)
		return (bad(d->name, "out of range"));
	if ((d->id == O_DKGA || d->id == O_NEW_DKGA) && n != 2 && n != 4)
		return (bad(d->name, "must be 02 or 04"));
	if (d->id == O_EA && n != 7 && n != 11)
		return (bad(d->name, "must be 07 or 11"));
	if ((d->id == O_BASE || d->id == O_NEW_BASE) && !hs_sts_base_valid(
	    (int)n))
		return (bad(d->name, "must be 1993, 2014 or 2035"));
	*out = n;
	return (0);
}

static int
parse_args(struct keyopts *o, int argc, char **argv)
{
	const struct optdef	*d;
	const char		*a;
	size_t			 i;
	int			 k;

	memset(o, 0, sizeof(*o));
	for (k = 1; k < argc; k++) {
		a = argv[k];
		if (o->command == NULL) {
			if (!strcmp(a, "--yes")) {
				o->yes = 1;
				continue;
			}
			if (!strcmp(a, "--help") || !strcmp(a, "-h"))
				return (1);
			if (!strcmp(a, "--config") || !strcmp(a, "--plugin") ||
			    !strcmp(a, "--audit-log") || !strcmp(a, "--actor")) {
				if (k + 1 >= argc)
					return (bad(a + 2, "needs a value"));
				if (!strcmp(a, "--config"))
					o->config = argv[++k];
				else if (!strcmp(a, "--plugin"))
					o->plugin = argv[++k];
				else if (!strcmp(a, "--audit-log"))
					o->audit_log = argv[++k];
				else
					o->actor = argv[++k];
				continue;
			}
			if (a[0] == '-') {
				fprintf(stderr, "hydrosync keys: unknown option "
				    "'%s' before the command\n", a);
				return (-1);
			}
			o->command = a;
			continue;
		}
		if (!strcmp(a, "--yes")) {
			o->yes = 1;
			continue;
		}
		if (strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "hydrosync keys: unexpected argument "
			    "'%s'\n", a);
			return (-1);
		}
		for (i = 0, d = NULL; i < sizeof(optdefs) / sizeof(optdefs[0]);
		    i++)
			if (!strcmp(a + 2, optdefs[i].name))
				d = &optdefs[i];
		if (d == NULL) {
			fprintf(stderr, "hydrosync keys: unknown option '%s'\n",
			    a);
			return (-1);
		}
		if (SEEN(o, d->id))
			return (bad(d->name, "given twice"));
		o->seen |= 1UL << d->id;
		if (!d->has_arg)
			continue;
		if (k + 1 >= argc)
			return (bad(d->name, "needs a value"));
		o->str[d->id] = argv[++k];
		if (d->max != 0 && parse_num(d, o->str[d->id],
		    &o->num[d->id]) == -1)
			return (-1);
	}
	if (o->command == NULL) {
		fprintf(stderr, "hydrosync keys: no command given\n");
		return (-1);
	}
	return (0);
}

/* Refuse options the command does not take, require those it needs. */
static int
check_opts(const struct keyopts *o, unsigned long allowed,
    unsigned long required)
{
	size_t	i;

	for (i = 0; i < sizeof(optdefs) / sizeof(optdefs[0]); i++) {
		if (SEEN(o, optdefs[i].id) &&
		    !((allowed >> optdefs[i].id) & 1)) {
			fprintf(stderr, "hydrosync keys %s: --%s does not "
			    "apply\n", o->command, optdefs[i].name);
			return (USAGE);
		}
		if (((required >> optdefs[i].id) & 1) &&
		    !SEEN(o, optdefs[i].id)) {
			bad(optdefs[i].name, "required");
			return (USAGE);
		}
	}
	return (0);
}

#define B(id)	(1UL << (id))

/* ---------------------------------------------------------------- audit */

static void
json_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(fp, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

/*
 * The one place a key operation is recorded.  One JSON object per line:
 *	{"ts":"2024-05-01T10:00:00Z","actor":"alice","action":"key.generate",
 *	 "key":"sgc=123457 krn=2 dkga=04","plugin":"hsm","result":"ok",
 *	 "details":"..."}
 * key and details are built by the callers from identifiers only; no
 * code path hands key bytes, PINs or master keys to this function.
 */
/*
 * The event in the database's hash-chained audit log (migration 0002),
 * deployment-wide (no utility: keys belong to supply groups).
 */
static int
audit_db(struct session *s, const char *action, const char *key_ref,
    const char *result, const char *details)
{
	PGresult	*res;
	const char	*params[6];
	int		 ok;

	params[0] = s->actor;
	params[1] = action;
	params[2] = key_ref;
	params[3] = s->conf.nplugins ? s->slot.conf->name : "";
	params[4] = result;
	params[5] = details;
	res = PQexecParams(s->db, "SELECT hs_audit('cli:' || $1, NULL, $2, "
	    "'key', $3, NULL, jsonb_build_object('plugin', $4::text, "
	    "'result', $5::text, 'details', $6::text))", 6, NULL, params, NULL,
	    NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "hydrosync keys: writing the audit log failed: "
		    "%s", PQresultErrorMessage(res));
	PQclear(res);
	return (ok ? 0 : -1);
}

static int
keys_audit(struct session *s, const char *action, const char *key_ref,
    const char *result, const char *details)
{
	char		 line[2048], ts[32];
	struct tm	 tm;
	time_t		 now = time(NULL);
	FILE		*mem;
	size_t		 len;
	ssize_t		 n;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if ((mem = fmemopen(line, sizeof(line), "w")) == NULL)
		return (-1);
	fprintf(mem, "{\"ts\":\"%s\",\"actor\":", ts);
	json_str(mem, s->actor);
	fputs(",\"action\":", mem);
	json_str(mem, action);
	fputs(",\"key\":", mem);
	json_str(mem, key_ref);
	fputs(",\"plugin\":", mem);
	json_str(mem, s->conf.nplugins ? s->slot.conf->name : "");
	fputs(",\"result\":", mem);
	json_str(mem, result);
	fputs(",\"details\":", mem);
	json_str(mem, details);
	fputs("}\n", mem);
	if (fclose(mem) != 0 || (len = strlen(line)) == 0 ||
	    line[len - 1] != '\n') {
		fprintf(stderr, "hydrosync keys: audit event too long\n");
		return (-1);
	}
	if (s->db != NULL && audit_db(s, action, key_ref, result,
	    details) == -1)
		return (-1);
	if (s->audit_fd == -1)
		return (0);
	n = write(s->audit_fd, line, len);
	if (n != (ssize_t)len || fsync(s->audit_fd) == -1) {
		fprintf(stderr, "hydrosync keys: writing the audit log failed: "
		    "%s\n", strerror(errno));
		return (-1);
	}
	return (0);
}

static int
audit_open(struct session *s, const struct keyopts *o)
{
	const char	*path = o->audit_log ? o->audit_log :
			    getenv("HS_AUDIT_LOG");
	struct passwd	*pw;
	const char	*who = o->actor;

	if (path != NULL && *path != '\0' && (s->audit_fd = open(path,
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		fprintf(stderr, "hydrosync keys: audit log %s: %s\n", path,
		    strerror(errno));
		return (-1);
	}
	if (who == NULL)
		who = getenv("SUDO_USER");
	if (who == NULL && (pw = getpwuid(getuid())) != NULL)
		who = pw->pw_name;
	snprintf(s->actor, sizeof(s->actor), "%s", who ? who : "unknown");
	return (0);
}

/* --------------------------------------------------------- confirmation */

static int
confirm(const struct keyopts *o, const char *what)
{
	char	line[64];

	if (o->yes)
		return (0);
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "hydrosync keys: %s needs confirmation: run "
		    "it on a terminal or pass --yes\n", what);
		return (-1);
	}
	fprintf(stderr, "%s.\nType 'yes' to go on: ", what);
	if (fgets(line, sizeof(line), stdin) == NULL ||
	    strcmp(line, "yes\n") != 0) {
		fprintf(stderr, "hydrosync keys: not confirmed; nothing "
		    "changed\n");
		return (-1);
	}
	return (0);
}

/* ----------------------------------------------------------- the host */

static void	cli_log(void *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
cli_log(void *hctx, int level, const char *fmt, ...)
{
	struct hs_plugin_slot	*slot = hctx;
	va_list			 ap;

	if (level > HS_LOG_NOTICE)
		return;
	fprintf(stderr, "hydrosync keys: %s: ", slot->conf->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *
cli_setting(void *hctx, const char *key)
{
	return (hs_plugin_setting(hctx, key));
}

static int64_t
cli_now_ms(void *hctx)
{
	struct timespec	ts;

	(void)hctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static int
cli_random(void *hctx, void *buf, size_t len)
{
	(void)hctx;
	return (len <= INT32_MAX && RAND_bytes(buf, (int)len) == 1 ? HS_OK :
	    HS_E_INTERNAL);
}

static void *
cli_alloc(void *hctx, size_t len)
{
	void	*p;

	(void)hctx;
	if ((p = calloc(1, len ? len : 1)) == NULL) {
		fprintf(stderr, "hydrosync keys: out of memory\n");
		exit(1);
	}
	return (p);
}

static void
cli_free(void *hctx, void *p)
{
	(void)hctx;
	free(p);
}

static int
cli_http(void *hctx, const struct hs_http_req *req, hs_http_done_fn done,
    void *arg)
{
	(void)hctx;
	(void)req;
	(void)done;
	(void)arg;
	return (HS_E_NOTSUP);
}

static int
cli_job(void *hctx, const char *kind, const char *payload,
    const char *dedupe)
{
	(void)hctx;
	(void)kind;
	(void)payload;
	(void)dedupe;
	return (HS_E_NOTSUP);
}

/* Open the configured hsm plugin (and init it when init is set). */
static int
session_open(struct session *s, const struct keyopts *o, int init)
{
	const char	*path = o->config ? o->config :
			    (getenv("HS_CONF") ? getenv("HS_CONF") :
			    "hydrosync.conf");
	char		 err[2048];
	size_t		 i, found = 0, which = 0;

	if (hs_conf_load(path, &s->conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "hydrosync keys: %s\n", err);
		return (-1);
	}
	/*
	 * Nothing runs unrecorded: the database's audit chain when
	 * hydrosync.conf names a database, and/or the --audit-log file.
	 */
	if (s->conf.database[0] != '\0') {
		s->db = PQconnectdb(s->conf.database);
		if (PQstatus(s->db) != CONNECTION_OK) {
			fprintf(stderr, "hydrosync keys: cannot reach the audit "
			    "log's database: %s", PQerrorMessage(s->db));
			return (-1);
		}
	} else if (s->audit_fd == -1) {
		fprintf(stderr, "hydrosync keys: no audit log: name a database "
		    "in hydrosync.conf, pass --audit-log FILE or set "
		    "HS_AUDIT_LOG\n");
		return (-1);
	}
	for (i = 0; i < s->conf.nplugins; i++) {
		if (s->conf.plugins[i].kind != HS_KIND_HSM)
			continue;
		if (o->plugin == NULL || !strcmp(o->plugin,
		    s->conf.plugins[i].name)) {
			found++;
			which = i;
		}
	}
	if (found != 1) {
		fprintf(stderr, "hydrosync keys: %s: %s\n", path, found == 0 ?
		    "no such hsm plugin configured" : "several hsm plugins; "
		    "choose one with --plugin NAME");
		s->conf.nplugins = 0;
		return (-1);
	}
	if (hs_plugin_open(&s->conf.plugins[which], HS_ABI_VERSION, &s->slot,
	    err, sizeof(err)) == -1) {
		fprintf(stderr, "hydrosync keys: %s\n", err);
		s->conf.nplugins = 0;
		return (-1);
	}
	s->soft = !strcmp(s->slot.desc->name, "soft-hsm");
	if (!s->soft && strcmp(s->slot.desc->name, "pkcs11-hsm")) {
		fprintf(stderr, "hydrosync keys: plugin '%s' is '%s'; key "
		    "ceremonies know soft-hsm and pkcs11-hsm\n",
		    s->slot.conf->name, s->slot.desc->name);
		return (-1);
	}
	if (!init)
		return (0);
	memset(&s->host, 0, sizeof(s->host));
	s->host.log = cli_log;
	s->host.setting = cli_setting;
	s->host.now_ms = cli_now_ms;
	s->host.random = cli_random;
	s->host.alloc = cli_alloc;
	s->host.free = cli_free;
	s->host.http_request = cli_http;
	s->host.job_enqueue = cli_job;
	if (hs_plugin_init(&s->slot, &s->host, err, sizeof(err)) == -1) {
		fprintf(stderr, "hydrosync keys: %s\n", err);
		return (-1);
	}
	s->ops = hs_plugin_hsm(&s->slot);
	return (0);
}

static const char *
setting(struct session *s, const char *key)
{
	return (hs_plugin_setting(&s->slot, key));
}

/* ---------------------------------------------------- key material I/O */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = tolower(c);
	return (c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1);
}

/* Read hex key bytes from a file (or stdin for "-"), never echoing them. */
static int
read_key(const char *path, uint8_t *out, size_t want)
{
	char	buf[256];
	FILE	*fp;
	size_t	n = 0, i, len;
	int	hi, lo, ok;

	fp = !strcmp(path, "-") ? stdin : fopen(path, "r");
	if (fp == NULL) {
		fprintf(stderr, "hydrosync keys: --key-file %s: %s\n", path,
		    strerror(errno));
		return (-1);
	}
	ok = fgets(buf, sizeof(buf), fp) != NULL;
	if (fp != stdin)
		fclose(fp);
	len = ok ? strcspn(buf, "\r\n") : 0;
	ok = ok && len == want * 2;
	for (i = 0; ok && i < len; i += 2) {
		if ((hi = hexval(buf[i])) < 0 || (lo = hexval(buf[i + 1])) < 0)
			ok = 0;
		else
			out[n++] = (uint8_t)(hi << 4 | lo);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	if (!ok || n != want) {
		OPENSSL_cleanse(out, want);
		fprintf(stderr, "hydrosync keys: --key-file: expected one line "
		    "of %zu hex digits\n", want * 2);
		return (-1);
	}
	return (0);
}

static int
read_line_file(const char *path, char *out, size_t len)
{
	FILE	*fp;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "hydrosync keys: %s: %s\n", path,
		    strerror(errno));
		return (-1);
	}
	if (fgets(out, (int)len, fp) == NULL)
		out[0] = '\0';
	fclose(fp);
	out[strcspn(out, "\r\n")] = '\0';
	return (out[0] == '\0' ? -1 : 0);
}

/* ------------------------------------------------------------ commands */

/* Load the keystore under the writers' lock; the master key stays here. */
static int
ks_begin(struct session *s, struct hs_ks *ks, uint8_t mk[32], int *lockfd)
{
	char	err[512];

	if (hs_ks_master_parse(setting(s, "master_key"), mk) == -1) {
		fprintf(stderr, "hydrosync keys: setting 'master_key' of '%s' "
		    "must resolve to 64 hex digits\n", s->slot.conf->name);
		return (-1);
	}
	if ((*lockfd = hs_ks_lock(setting(s, "keystore"), err,
	    sizeof(err))) == -1 ||
	    hs_ks_load(setting(s, "keystore"), mk, ks, err, sizeof(err)) !=
	    HS_KS_OK) {
		fprintf(stderr, "hydrosync keys: %s\n", err);
		if (*lockfd != -1)
			close(*lockfd);
		OPENSSL_cleanse(mk, 32);
		return (-1);
	}
	return (0);
}

static int
p11_begin(struct session *s, struct hs_p11 *p)
{
	char	err[512];

	if (hs_p11_open(p, setting(s, "module"), setting(s, "token_label"),
	    setting(s, "pin"), 1, err, sizeof(err)) != HS_OK) {
		fprintf(stderr, "hydrosync keys: %s\n", err);
		return (-1);
	}
	return (0);
}

static int
cmd_create(struct session *s, const struct keyopts *o)
{
	static struct hs_ks	ks;
	uint8_t			mk[32];
	char			err[512], so_pin[128], ref[160];
	int			rv;

	if (s->soft) {
		snprintf(ref, sizeof(ref), "keystore=%s", setting(s,
		    "keystore"));
		if (confirm(o, "This creates a new, empty keystore") == -1)
			return (-1);
		if (hs_ks_master_parse(setting(s, "master_key"), mk) == -1) {
			fprintf(stderr, "hydrosync keys: setting 'master_key' "
			    "must resolve to 64 hex digits\n");
			return (-1);
		}
		memset(&ks, 0, sizeof(ks));
		rv = hs_ks_save(setting(s, "keystore"), mk, &ks, 1, err,
		    sizeof(err)) == HS_KS_OK ? 0 : -1;
		OPENSSL_cleanse(mk, sizeof(mk));
	} else {
		snprintf(ref, sizeof(ref), "token=%s", setting(s,
		    "token_label"));
		if (!SEEN(o, O_SO_PIN_FILE))
			return (bad("so-pin-file", "required to initialise a "
			    "token"));
		if (read_line_file(o->str[O_SO_PIN_FILE], so_pin,
		    sizeof(so_pin)) == -1 || setting(s, "pin") == NULL)
			return (bad("so-pin-file", "empty, or the plugin's "
			    "'pin' setting does not resolve"));
		if (confirm(o, "This initialises a fresh token") == -1)
			return (-1);
		rv = hs_p11_init_token(setting(s, "module"), setting(s,
		    "token_label"), so_pin, setting(s, "pin"), err,
		    sizeof(err)) == HS_OK ? 0 : -1;
		OPENSSL_cleanse(so_pin, sizeof(so_pin));
	}
	if (rv == -1)
		fprintf(stderr, "hydrosync keys: %s\n", err);
	keys_audit(s, "keystore.create", ref, rv ? "failed" : "ok", "");
	return (rv);
}

/*
 * Add a vending key: generated (vk == NULL) or imported.  action names
 * the audit event ("key.generate", "key.import", "key.rotate").
 */
static int
add_key(struct session *s, const struct keyopts *o, const uint8_t *vk,
    const char *action)
{
	static struct hs_ks	ks;
	struct hs_ks_key	k;
	struct hs_p11		p;
	uint8_t			mk[32];
	char			err[512], ref[64];
	int			lockfd, rv = -1;
	enum hs_ks_err		e;

	snprintf(ref, sizeof(ref), "sgc=%06lu krn=%lu dkga=%02lu",
	    o->num[O_SGC], o->num[O_KRN], o->num[O_DKGA]);
	if (s->soft) {
		if (ks_begin(s, &ks, mk, &lockfd) == -1)
			goto audit;
		memset(&k, 0, sizeof(k));
		k.sgc = (uint32_t)o->num[O_SGC];
		k.krn = (uint8_t)o->num[O_KRN];
		k.dkga = (uint8_t)o->num[O_DKGA];
		k.vklen = k.dkga == 2 ? 8 : 20;
		k.created = (int64_t)time(NULL);
		k.origin = vk ? HS_KS_ORIGIN_IMPORTED : HS_KS_ORIGIN_GENERATED;
		if (vk != NULL)
			memcpy(k.vk, vk, k.vklen);
		else if (RAND_priv_bytes(k.vk, k.vklen) != 1) {
			fprintf(stderr, "hydrosync keys: no random bytes\n");
			goto soft_out;
		}
		e = hs_ks_add(&ks, &k, SEEN(o, O_REPLACE));
		if (e == HS_KS_E_EXISTS)
			fprintf(stderr, "hydrosync keys: the keystore holds "
			    "%s already (import --replace overwrites it)\n",
			    ref);
		else if (e != HS_KS_OK)
			fprintf(stderr, "hydrosync keys: %s\n",
			    hs_ks_err_str(e));
		else if (hs_ks_save(setting(s, "keystore"), mk, &ks, 0, err,
		    sizeof(err)) != HS_KS_OK)
			fprintf(stderr, "hydrosync keys: %s\n", err);
		else
			rv = 0;
soft_out:
		OPENSSL_cleanse(&k, sizeof(k));
		OPENSSL_cleanse(mk, sizeof(mk));
		hs_ks_wipe(&ks);
		close(lockfd);
	} else {
		if (SEEN(o, O_REPLACE)) {
			bad("replace", "a token key is never overwritten; "
			    "destroy it with the token's own tools first");
			goto audit;
		}
		if (p11_begin(s, &p) == -1)
			goto audit;
		rv = (vk != NULL ? hs_p11_vk_import(&p,
		    (uint32_t)o->num[O_SGC], (uint8_t)o->num[O_KRN],
		    (uint8_t)o->num[O_DKGA], vk, 20, err, sizeof(err)) :
		    hs_p11_vk_generate(&p, (uint32_t)o->num[O_SGC],
		    (uint8_t)o->num[O_KRN], (uint8_t)o->num[O_DKGA], err,
		    sizeof(err))) == HS_OK ? 0 : -1;
		if (rv == -1)
			fprintf(stderr, "hydrosync keys: %s\n", err);
		hs_p11_close(&p);
	}
	if (rv == 0)
		printf("%s %s\n", action, ref);
audit:
	keys_audit(s, action, ref, rv ? "failed" : "ok", SEEN(o, O_REPLACE) ?
	    "replaced an existing key" : (vk ? "imported" : "generated"));
	return (rv);
}

static int
cmd_import(struct session *s, const struct keyopts *o)
{
	uint8_t		vk[32];
	struct hs_p11	p;
	char		err[512];
	int		rv;

	if (SEEN(o, O_FACTORY)) {
		if (s->soft)
			return (bad("factory", "the soft plugin takes its "
			    "factory key from the factory_key setting"));
		if ((rv = check_opts(o, B(O_FACTORY) | B(O_KEY_FILE),
		    B(O_KEY_FILE))) != 0)
			return (rv);
		if (read_key(o->str[O_KEY_FILE], vk, 32) == -1)
			return (-1);
		rv = p11_begin(s, &p) == 0 && hs_p11_factory_import(&p, vk,
		    err, sizeof(err)) == HS_OK ? 0 : -1;
		OPENSSL_cleanse(vk, sizeof(vk));
		if (rv == -1 && p.f != NULL)
			fprintf(stderr, "hydrosync keys: %s\n", err);
		hs_p11_close(&p);
		keys_audit(s, "factory_key.import", HS_P11_FACTORY_LABEL,
		    rv ? "failed" : "ok", "");
		return (rv);
	}
	if ((rv = check_opts(o, B(O_SGC) | B(O_KRN) | B(O_DKGA) |
	    B(O_KEY_FILE) | B(O_REPLACE), B(O_SGC) | B(O_KRN) | B(O_DKGA) |
	    B(O_KEY_FILE))) != 0)
		return (rv);
	if (read_key(o->str[O_KEY_FILE], vk, o->num[O_DKGA] == 2 ? 8 : 20) ==
	    -1)
		return (-1);
	if (SEEN(o, O_REPLACE) && confirm(o, "This overwrites an existing "
	    "vending key; tokens for meters on it can no longer be made") ==
	    -1) {
		OPENSSL_cleanse(vk, sizeof(vk));
		return (-1);
	}
	rv = add_key(s, o, vk, "key.import");
	OPENSSL_cleanse(vk, sizeof(vk));
	return (rv);
}

static int
cmd_list(struct session *s)
{
	char	*buf = cli_alloc(NULL, LIST_MAX);
	int	 rv;

	rv = s->ops->list_keys == NULL ? HS_E_NOTSUP :
	    s->ops->list_keys(s->slot.pctx, buf, LIST_MAX);
	if (rv == HS_OK)
		fputs(buf, stdout);
	else
		fprintf(stderr, "hydrosync keys: list failed (%d)\n", rv);
	free(buf);
	keys_audit(s, "key.list", "*", rv ? "failed" : "ok", "");
	return (rv ? -1 : 0);
}

static int
cmd_health(struct session *s)
{
	int	rv = s->ops->health(s->slot.pctx);

	printf("%s\n", rv == HS_OK ? "ok" : "unavailable");
	keys_audit(s, "hsm.health", "*", rv ? "failed" : "ok", "");
	return (rv ? -1 : 0);
}

static int
cmd_provision(struct session *s, const struct keyopts *o)
{
	struct hs_hsm_meter	m;
	char			out[1024], ref[96];
	int			rv;

	memset(&m, 0, sizeof(m));
	m.size = sizeof(m);
	m.pan = o->str[O_PAN];
	m.sgc = (uint32_t)o->num[O_SGC];
	m.ti = (uint8_t)o->num[O_TI];
	m.krn = (uint8_t)o->num[O_KRN];
	m.kt = (uint8_t)o->num[O_KT];
	m.ea = (uint8_t)o->num[O_EA];
	m.dkga = (uint8_t)o->num[O_DKGA];
	m.base_date = (uint16_t)o->num[O_BASE];
	m.ken = SEEN(o, O_KEN) ? (uint8_t)o->num[O_KEN] : HS_STS_KEN_NONE;
	snprintf(ref, sizeof(ref), "sgc=%06u krn=%u dkga=%02u pan=%s",
	    (unsigned)m.sgc, m.krn, m.dkga, m.pan);
	rv = s->ops->provision == NULL ? HS_E_NOTSUP :
	    s->ops->provision(s->slot.pctx, &m, out, sizeof(out));
	if (rv == HS_OK)
		printf("%s\n", out);
	else
		fprintf(stderr, "hydrosync keys: provision failed (%d)\n", rv);
	keys_audit(s, "meter.provision", ref, rv ? "failed" : "ok",
	    rv == HS_OK && strstr(out, "dk=absent") == NULL ?
	    "decoder key wrapped for the factory" : "configuration only");
	return (rv ? -1 : 0);
}

/*
 * One CSV line: pan,sgc,ti,krn,kt,ea,dkga,base_date.  Fields are parsed
 * here, once; a bad one is reported with its line and column name.
 */
static int
parse_meter(char *line, unsigned lineno, char pan[19],
    struct hs_hsm_meter *m)
{
	static const char	*names[] = { "pan", "sgc", "ti", "krn", "kt",
				    "ea", "dkga", "base_date" };
	static const unsigned long max[] = { 0, 999999, 99, 15, 3, 11, 4,
				    2035 };
	unsigned long		 v[8];
	char			*f[8], *p = line, *end;
	int			 i;

	line[strcspn(line, "\r\n")] = '\0';
	for (i = 0; i < 8; i++) {
		f[i] = p;
		p = strchr(p, ',');
		if ((p == NULL) != (i == 7)) {
			fprintf(stderr, "hydrosync keys: --meters line %u: "
			    "need 8 comma-separated fields\n", lineno);
			return (-1);
		}
		if (p != NULL)
			*p++ = '\0';
	}
	if (strlen(f[0]) != 18 || hs_sts_pan_validate(f[0], 18) !=
	    HS_STS_OK) {
		fprintf(stderr, "hydrosync keys: --meters line %u: pan is not "
		    "18 digits with a valid Luhn digit\n", lineno);
		return (-1);
	}
	for (i = 1; i < 8; i++) {
		errno = 0;
		v[i] = strtoul(f[i], &end, 10);
		if (!isdigit((unsigned char)*f[i]) || *end != '\0' ||
		    errno != 0 || v[i] > max[i] ||
		    (i == 5 && v[i] != 7 && v[i] != 11) ||
		    (i == 6 && v[i] != 2 && v[i] != 4) ||
		    (i == 7 && !hs_sts_base_valid((int)v[i]))) {
			fprintf(stderr, "hydrosync keys: --meters line %u: "
			    "bad %s '%s'\n", lineno, names[i], f[i]);
			return (-1);
		}
	}
	memcpy(pan, f[0], 19);
	memset(m, 0, sizeof(*m));
	m->size = sizeof(*m);
	m->pan = pan;
	m->sgc = (uint32_t)v[1];
	m->ti = (uint8_t)v[2];
	m->krn = (uint8_t)v[3];
	m->kt = (uint8_t)v[4];
	m->ea = (uint8_t)v[5];
	m->dkga = (uint8_t)v[6];
	m->base_date = (uint16_t)v[7];
	m->ken = HS_STS_KEN_NONE;
	return (0);
}

/*
 * Key change tokens for every meter in a CSV file, through the plugin's
 * key_change op.  Output: pan,token1,token2[,token3,token4] per meter.
 * The whole file is parsed before any token is printed, so a bad line
 * yields no tokens at all.
 */
/* The new key identity for one meter, from the kct options. */
static void
kct_target(const struct keyopts *o, const struct hs_hsm_meter *from,
    struct hs_hsm_key_change *to)
{
	memset(to, 0, sizeof(*to));
	to->size = sizeof(*to);
	to->to = *from;
	to->to.krn = (uint8_t)o->num[O_NEW_KRN];
	if (SEEN(o, O_NEW_SGC))
		to->to.sgc = (uint32_t)o->num[O_NEW_SGC];
	if (SEEN(o, O_NEW_TI))
		to->to.ti = (uint8_t)o->num[O_NEW_TI];
	if (SEEN(o, O_NEW_KT))
		to->to.kt = (uint8_t)o->num[O_NEW_KT];
	if (SEEN(o, O_NEW_BASE))
		to->to.base_date = (uint16_t)o->num[O_NEW_BASE];
	if (SEEN(o, O_NEW_DKGA))
		to->to.dkga = (uint8_t)o->num[O_NEW_DKGA];
	if (SEEN(o, O_KEN))
		to->to.ken = (uint8_t)o->num[O_KEN];
	to->rollover = SEEN(o, O_ROLLOVER);
}

/*
 * Rotation through the core: every meter of a utility on supply group
 * --sgc and key revision --krn gets its key change tokens, stored as a
 * pending key change order (vending delivers them with the next purchase)
 * and audited per meter.  One transaction per meter, so an interrupted run
 * can simply be run again: meters with a pending order are skipped.
 */
static int
kct_from_database(struct session *s, const struct keyopts *o)
{
	struct hs_hsm_key_change to;
	struct hs_hsm_meter	 m;
	PGresult		*res, *ins;
	char			 out[HS_KCT_MAX][HS_TOKEN_DIGITS + 1];
	char			 sgc[16], krn[8], v[8][16], tokens[128];
	char			 ref[96], details[128], pan[19];
	const char		*params[10];
	size_t			 count, j;
	int			 i, n, done = 0, skipped = 0, rv = 0;

	if (!SEEN(o, O_UTILITY) || !SEEN(o, O_SGC) || !SEEN(o, O_KRN)) {
		fprintf(stderr, "hydrosync keys kct: give --meters CSV, or "
		    "--utility CODE --sgc N --krn N to take the meters from the "
		    "database\n");
		return (USAGE);
	}
	if (s->db == NULL) {
		fprintf(stderr, "hydrosync keys kct: --utility needs a database "
		    "line in hydrosync.conf\n");
		return (-1);
	}
	snprintf(sgc, sizeof(sgc), "%lu", o->num[O_SGC]);
	snprintf(krn, sizeof(krn), "%lu", o->num[O_KRN]);
	params[0] = o->str[O_UTILITY];
	params[1] = sgc;
	params[2] = krn;
	res = PQexecParams(s->db, "SELECT m.id, m.pan, m.sgc, m.tariff_index, "
	    "m.key_revision, m.key_type, m.key_expiry, "
	    "CASE m.algorithm WHEN 'EA07' THEN 7 ELSE 11 END, m.dkga, "
	    "m.base_date, EXISTS (SELECT 1 FROM key_change_orders k WHERE "
	    "k.meter_id = m.id AND k.state = 'pending') "
	    "FROM meters m JOIN utilities u ON u.id = m.utility_id "
	    "WHERE u.code = $1 AND m.sgc = $2::integer AND m.key_revision = "
	    "$3::smallint AND m.status <> 'removed' ORDER BY m.id", 3, NULL,
	    params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "hydrosync keys kct: %s",
		    PQresultErrorMessage(res));
		PQclear(res);
		return (-1);
	}
	n = PQntuples(res);
	if (n == 0) {
		fprintf(stderr, "hydrosync keys kct: no meters of %s on sgc %s "
		    "krn %s\n", o->str[O_UTILITY], sgc, krn);
		PQclear(res);
		return (-1);
	}
	if (confirm(o, "This issues key change tokens for every such meter; "
	    "they reach the meters with their next purchase") == -1) {
		PQclear(res);
		return (-1);
	}
	for (i = 0; i < n && rv == 0; i++) {
		if (!strcmp(PQgetvalue(res, i, 10), "t")) {
			skipped++;
			continue;
		}
		memset(&m, 0, sizeof(m));
		m.size = sizeof(m);
		snprintf(pan, sizeof(pan), "%s", PQgetvalue(res, i, 1));
		m.pan = pan;
		m.sgc = (uint32_t)atol(PQgetvalue(res, i, 2));
		m.ti = (uint8_t)atoi(PQgetvalue(res, i, 3));
		m.krn = (uint8_t)atoi(PQgetvalue(res, i, 4));
		m.kt = (uint8_t)atoi(PQgetvalue(res, i, 5));
		m.ken = (uint8_t)atoi(PQgetvalue(res, i, 6));
		m.ea = (uint8_t)atoi(PQgetvalue(res, i, 7));
		m.dkga = (uint8_t)atoi(PQgetvalue(res, i, 8));
		m.base_date = (uint16_t)atoi(PQgetvalue(res, i, 9));
		kct_target(o, &m, &to);
		count = 0;
		if (s->ops->key_change == NULL || s->ops->key_change(
		    s->slot.pctx, &m, &to, out, &count) != HS_OK ||
		    (count != 2 && count != 4)) {
			fprintf(stderr, "hydrosync keys: key change for meter "
			    "%s failed; stopping (run again to continue)\n",
			    pan);
			rv = -1;
			break;
		}
		snprintf(tokens, sizeof(tokens), "{");
		for (j = 0; j < count; j++) {
			strncat(tokens, out[j], sizeof(tokens) -
			    strlen(tokens) - 2);
			strncat(tokens, j + 1 < count ? "," : "}",
			    sizeof(tokens) - strlen(tokens) - 1);
		}
		snprintf(v[0], sizeof(v[0]), "%u", to.to.krn);
		snprintf(v[1], sizeof(v[1]), "%u", to.to.sgc);
		snprintf(v[2], sizeof(v[2]), "%u", to.to.ti);
		snprintf(v[3], sizeof(v[3]), "%u", to.to.kt);
		snprintf(v[4], sizeof(v[4]), "%u", to.to.base_date);
		snprintf(v[5], sizeof(v[5]), "%u", to.to.dkga);
		params[0] = s->actor;
		params[1] = PQgetvalue(res, i, 0);
		params[2] = v[0];
		params[3] = v[1];
		params[4] = v[2];
		params[5] = v[3];
		params[6] = v[4];
		params[7] = v[5];
		params[8] = to.rollover ? "true" : "false";
		params[9] = tokens;
		ins = PQexecParams(s->db, "SELECT hs_key_change_record('cli:' "
		    "|| $1, $2::bigint, $3::integer, $4::integer, $5::integer, "
		    "$6::integer, $7::integer, $8::integer, $9::boolean, "
		    "$10::text[])", 10, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(ins) != PGRES_TUPLES_OK) {
			fprintf(stderr, "hydrosync keys: storing the key change "
			    "for meter %s failed: %s", pan,
			    PQresultErrorMessage(ins));
			rv = -1;
		} else {
			done++;
		}
		PQclear(ins);
	}
	PQclear(res);
	OPENSSL_cleanse(out, sizeof(out));
	printf("%d meter%s got key change tokens (pending delivery), %d "
	    "already had a pending key change\n", done, done == 1 ? "" : "s",
	    skipped);
	snprintf(ref, sizeof(ref), "sgc=%s krn=%s -> krn=%lu", sgc, krn,
	    o->num[O_NEW_KRN]);
	snprintf(details, sizeof(details), "%d of %d meters, %d skipped%s",
	    done, n, skipped, SEEN(o, O_ROLLOVER) ? ", rollover" : "");
	keys_audit(s, "key.change_tokens", ref, rv ? "failed" : "ok",
	    details);
	return (rv);
}

static int
cmd_kct(struct session *s, const struct keyopts *o)
{
	struct meterline {
		char			pan[19];
		struct hs_hsm_meter	m;
	}			*ml = NULL;
	struct hs_hsm_key_change to;
	char			 line[CSV_LINE_MAX], ref[96], details[128];
	char			 out[HS_KCT_MAX][HS_TOKEN_DIGITS + 1];
	FILE			*fp;
	size_t			 n = 0, cap = 0, i, j, count, done = 0;
	unsigned		 lineno = 0;
	int			 rv = 0;

	if (!SEEN(o, O_METERS))
		return (kct_from_database(s, o));
	if ((fp = fopen(o->str[O_METERS], "r")) == NULL) {
		fprintf(stderr, "hydrosync keys: --meters %s: %s\n",
		    o->str[O_METERS], strerror(errno));
		return (-1);
	}
	while (rv == 0 && fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0' ||
		    (lineno == 1 && !strncmp(line, "pan,", 4)))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((ml = realloc(ml, cap * sizeof(*ml))) == NULL) {
				fprintf(stderr, "hydrosync keys: out of "
				    "memory\n");
				exit(1);
			}
		}
		rv = parse_meter(line, lineno, ml[n].pan, &ml[n].m);
		ml[n].m.pan = ml[n].pan;
		n += rv == 0;
	}
	fclose(fp);
	snprintf(ref, sizeof(ref), "new krn=%lu%s", o->num[O_NEW_KRN],
	    SEEN(o, O_NEW_SGC) ? " (new sgc)" : "");
	if (rv == 0 && n == 0) {
		fprintf(stderr, "hydrosync keys: --meters: no meters\n");
		rv = -1;
	}
	if (rv == 0 && confirm(o, "This prints key change tokens; meters "
	    "that accept them move to the new key") == -1)
		rv = -1;
	for (i = 0; rv == 0 && i < n; i++) {
		kct_target(o, &ml[i].m, &to);
		count = 0;
		if (s->ops->key_change == NULL || s->ops->key_change(
		    s->slot.pctx, &ml[i].m, &to, out, &count) != HS_OK) {
			fprintf(stderr, "hydrosync keys: key change for meter "
			    "%s failed; stopping\n", ml[i].pan);
			rv = -1;
			break;
		}
		printf("%s", ml[i].pan);
		for (j = 0; j < count; j++)
			printf(",%s", out[j]);
		printf("\n");
		done++;
	}
	fflush(stdout);
	snprintf(details, sizeof(details), "%zu of %zu meters%s", done, n,
	    SEEN(o, O_ROLLOVER) ? ", rollover" : "");
	keys_audit(s, "key.change_tokens", ref, rv ? "failed" : "ok",
	    details);
	OPENSSL_cleanse(out, sizeof(out));
	free(ml);
	return (rv);
}

#define KEY3	(B(O_SGC) | B(O_KRN) | B(O_DKGA))
#define METER	(B(O_PAN) | KEY3 | B(O_TI) | B(O_KT) | B(O_EA) | B(O_BASE))
#define NEWKEY	(B(O_NEW_SGC) | B(O_NEW_TI) | B(O_NEW_KT) | B(O_NEW_BASE) | \
		 B(O_NEW_DKGA) | B(O_KEN) | B(O_ROLLOVER))

enum cmdid { C_CREATE, C_GENERATE, C_ROTATE, C_IMPORT, C_LIST, C_HEALTH,
	C_PROVISION, C_KCT };

/* What each command accepts and needs; init: run the plugin's init(). */
static const struct command {
	const char	*name;
	enum cmdid	 id;
	unsigned long	 allowed;
	unsigned long	 required;
	int		 init;
} commands[] = {
	{ "create", C_CREATE, B(O_SO_PIN_FILE), 0, 0 },
	{ "generate", C_GENERATE, KEY3, KEY3, 0 },
	{ "rotate", C_ROTATE, KEY3, KEY3, 0 },
	{ "import", C_IMPORT, KEY3 | B(O_KEY_FILE) | B(O_REPLACE) |
	    B(O_FACTORY), 0, 0 },
	{ "list", C_LIST, 0, 0, 1 },
	{ "health", C_HEALTH, 0, 0, 1 },
	{ "provision", C_PROVISION, METER | B(O_KEN), METER, 1 },
	{ "kct", C_KCT, B(O_METERS) | B(O_UTILITY) | B(O_SGC) | B(O_KRN) |
	    B(O_NEW_KRN) | NEWKEY, B(O_NEW_KRN), 1 },
};

static int
run(struct session *s, const struct keyopts *o)
{
	const struct command	*c = NULL;
	size_t			 i;
	int			 rv;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(o->command, commands[i].name))
			c = &commands[i];
	if (c == NULL) {
		fprintf(stderr, "hydrosync keys: unknown command '%s'\n",
		    o->command);
		return (USAGE);
	}
	if ((rv = check_opts(o, c->allowed, c->required)) != 0)
		return (rv);
	if (session_open(s, o, c->init) == -1)
		return (-1);
	switch (c->id) {
	case C_CREATE:
		return (cmd_create(s, o));
	case C_GENERATE:
		return (add_key(s, o, NULL, "key.generate"));
	case C_ROTATE:
		if (confirm(o, "This creates the next key revision; then "
		    "issue key change tokens with 'hydrosync keys kct'") == -1)
			return (-1);
		return (add_key(s, o, NULL, "key.rotate"));
	case C_IMPORT:
		return (cmd_import(s, o));
	case C_LIST:
		return (cmd_list(s));
	case C_HEALTH:
		return (cmd_health(s));
	case C_PROVISION:
		return (cmd_provision(s, o));
	case C_KCT:
		return (cmd_kct(s, o));
	}
	return (-1);
}

int
hs_cli_keys(int argc, char **argv)
{
	static struct session	s;
	struct keyopts		o;
	int			rv;

	memset(&s, 0, sizeof(s));
	s.audit_fd = -1;
	if ((rv = parse_args(&o, argc, argv)) != 0) {
		usage(rv == 1 ? stdout : stderr);
		return (rv == 1 ? 0 : EXIT_USAGE);
	}
	if (audit_open(&s, &o) == -1)
		return (1);
	rv = run(&s, &o);
	if (s.slot.ready)
		hs_plugin_fini(&s.slot);
	if (s.audit_fd != -1)
		close(s.audit_fd);
	if (s.db != NULL)
		PQfinish(s.db);
	if (rv == USAGE)
		return (EXIT_USAGE);
	return (rv == 0 ? 0 : 1);
}
