/*
 * The Kore side of HydroSync: the hooks Kore calls by name.
 *
 *   kore_parent_configure	read hydrosync.conf, check every plugin in a
 *				throwaway child, set up shared metrics
 *   kore_seccomp_hook		the syscalls Kore 4.1's sandbox lacks on
 *				Debian 12 (glibc's stat is newfstatat) and
 *				those our threads, libpq and plugins need
 *   kore_worker_configure	per worker, after fork and privilege drop:
 *				logs, database pool, HTTP client, plugins
 *   kore_worker_teardown	plugins' fini, close connections
 */
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/seccomp.h>
#include <kore/hooks.h>

#include "server/fault.h"
#include "server/server.h"
#include "notify/notify.h"
#include "bill/bill.h"
#include "vend/vend.h"
#include "http/router.h"
#include "http/static.h"
#include "db/db.h"
#include "net/loop.h"
#include "net/compute.h"
#include "cache/cache.h"
#include "db/listen.h"
#include "jobs/jobs.h"
#include "http/routes.h"
#include "obs/log.h"
#include "obs/metrics.h"

int	hs_onload(int);

static struct hs_config		config;
static struct hs_plugin_slot	slots[HS_CONF_PLUGINS_MAX];
static int			plugins_ready;

static struct sock_filter	filter_hydrosync[] = {
	/* glibc >= 2.33 implements stat() and fstat() with newfstatat. */
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(statx),
	KORE_SYSCALL_ALLOW(getdents64),
	KORE_SYSCALL_ALLOW(ftruncate),
	KORE_SYSCALL_ALLOW(fsync),
	KORE_SYSCALL_ALLOW(rename),
	KORE_SYSCALL_ALLOW(mkdir),
	/* The HTTP client thread (glibc 2.36 uses clone3 and rseq). */
	KORE_SYSCALL_ALLOW(clone),
	KORE_SYSCALL_ALLOW(clone3),
	KORE_SYSCALL_ALLOW(rseq),
	KORE_SYSCALL_ALLOW(set_robust_list),
	KORE_SYSCALL_ALLOW(eventfd2),
	KORE_SYSCALL_ALLOW(pipe2),
	KORE_SYSCALL_ALLOW(sched_getaffinity),
	KORE_SYSCALL_ALLOW(sched_yield),
	KORE_SYSCALL_ALLOW(setpriority),	/* compute threads (net/compute.c) */
	KORE_SYSCALL_ALLOW(gettid),
	KORE_SYSCALL_ALLOW(tgkill),
	KORE_SYSCALL_ALLOW(prctl),
	KORE_SYSCALL_ALLOW(uname),
	KORE_SYSCALL_ALLOW(getppid),
	KORE_SYSCALL_ALLOW(kill),	/* fault.c, diagnostics only */
	KORE_SYSCALL_ALLOW(sysinfo),
	KORE_SYSCALL_ALLOW(prlimit64),
	KORE_SYSCALL_ALLOW(getrlimit),
	/* Outbound sockets: libpq, the HTTP client, DNS. */
	KORE_SYSCALL_ALLOW_ARG(socket, 0, AF_INET),
	KORE_SYSCALL_ALLOW_ARG(socket, 0, AF_INET6),
	KORE_SYSCALL_ALLOW_ARG(socket, 0, AF_UNIX),
	KORE_SYSCALL_ALLOW_ARG(socket, 0, AF_NETLINK),
	KORE_SYSCALL_ALLOW(connect),
	KORE_SYSCALL_ALLOW(bind),
	KORE_SYSCALL_ALLOW(getsockopt),
	KORE_SYSCALL_ALLOW(getsockname),
	KORE_SYSCALL_ALLOW(getpeername),
	KORE_SYSCALL_ALLOW(recvmsg),
	KORE_SYSCALL_ALLOW(sendmsg),
	KORE_SYSCALL_ALLOW(sendmmsg),
	KORE_SYSCALL_ALLOW(shutdown),
	KORE_SYSCALL_ALLOW(pread64),
};

void
kore_seccomp_hook(void)
{
	kore_seccomp_filter("hydrosync", filter_hydrosync,
	    KORE_FILTER_LEN(filter_hydrosync));
}

const struct hs_config *
hs_server_config(void)
{
	return (&config);
}

struct hs_plugin_slot *
hs_server_plugin(const char *name)
{
	size_t		i;

	for (i = 0; i < config.nplugins; i++) {
		if (slots[i].ready && !strcmp(config.plugins[i].name, name))
			return (&slots[i]);
	}
	return (NULL);
}

int
hs_server_plugins_ready(void)
{
	return (plugins_ready);
}

/*
 * Refuse to start with a broken plugin.  The check runs in a child so that
 * the parent never maps plugin code: plugins are loaded after fork, in the
 * workers, as the ABI promises.  The child reports its verdict on a pipe.
 */
static int
check_plugins(char *err, size_t errlen)
{
	struct hs_plugin_slot	 scratch[HS_CONF_PLUGINS_MAX];
	int			 fds[2], status;
	pid_t			 pid;
	ssize_t			 n;
	size_t			 off;

	if (config.nplugins == 0)
		return (0);
	if (pipe(fds) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return (-1);
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return (-1);
	}
	if (pid == 0) {
		close(fds[0]);
		if (hs_plugin_open_all(&config, HS_ABI_VERSION, scratch, err,
		    errlen) == -1) {
			if (write(fds[1], err, strlen(err)) == -1)
				_exit(2);
			_exit(1);
		}
		_exit(0);
	}
	close(fds[1]);
	off = 0;
	while (off < errlen - 1 &&
	    (n = read(fds[0], err + off, errlen - 1 - off)) > 0)
		off += (size_t)n;
	err[off] = '\0';
	close(fds[0]);
	if (waitpid(pid, &status, 0) == -1)
		return (-1);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return (0);
	if (off == 0)
		snprintf(err, errlen, "plugin check crashed (status %d)",
		    status);
	return (-1);
}

void
kore_parent_configure(int argc, char **argv)
{
	const char	*path;
	char		 err[2048];

	(void)argc;
	(void)argv;
	if ((path = getenv("HS_CONF")) == NULL)
		path = "hydrosync.conf";
	if (hs_conf_load(path, &config, err, sizeof(err)) == -1) {
		fprintf(stderr, "hydrosync: cannot start: %s\n", err);
		exit(1);
	}
	hs_log_setup(config.node_name, 0, config.log_json);
	if (check_plugins(err, sizeof(err)) == -1) {
		hs_log(HS_LOG_ERR, "startup.refused", "%s", err);
		fprintf(stderr, "hydrosync: cannot start: %s\n", err);
		exit(1);
	}
	if (hs_metrics_setup() == -1) {
		fprintf(stderr, "hydrosync: cannot map shared metrics\n");
		exit(1);
	}
	hs_log(HS_LOG_NOTICE, "startup", "configuration %s: %zu plugin(s), "
	    "%d worker(s), listening on %s:%u", config.path, config.nplugins,
	    config.workers, config.bind_addr, config.port);
}

static void
load_plugins(void)
{
	struct hs_host	tmpl;
	char		err[2048];
	size_t		i;

	if (hs_plugin_open_all(&config, HS_ABI_VERSION, slots, err,
	    sizeof(err)) == -1)
		fatalx("%s", err);
	hs_host_template(&tmpl);
	for (i = 0; i < config.nplugins; i++) {
		if (hs_plugin_init(&slots[i], &tmpl, err, sizeof(err)) == -1)
			fatalx("%s", err);
		hs_log(HS_LOG_INFO, "plugin.loaded", "%s: %s %s (%s) from %s",
		    config.plugins[i].name, slots[i].desc->name,
		    slots[i].desc->version,
		    hs_conf_kind_name(slots[i].desc->kind),
		    config.plugins[i].path);
	}
	plugins_ready = 1;
}

/*
 * A worker that fails (fatal, fatalx) leaves through exit() with our
 * threads still alive.  Shared libraries' destructors then run, and
 * libp11-kit's (pulled in by libpq through LDAP and GnuTLS) was seen
 * deadlocking on glibc's locale lock there under AddressSanitizer.  Nothing
 * in those destructors matters to a process about to vanish, so such a
 * worker ends at once, keeping its exit status.  (A normal shutdown ends
 * in kore_worker_teardown below.)
 */
static void
worker_exit(int status, void *arg)
{
	(void)arg;
	fflush(NULL);
	_exit(status);
}

void
kore_worker_configure(void)
{
	on_exit(worker_exit, NULL);
	hs_log_setup(config.node_name, worker->id, config.log_json);
	hs_metrics_bind_worker(worker->id);
	hs_router_setup(config.diagnostics, config.access_log);
	hs_static_setup(config.webroot);
	if (hs_net_setup(getenv("HS_CA_FILE")) == -1)
		fatalx("cannot start the outbound HTTP/WebSocket client");
	if (hs_compute_setup(2) == -1)
		fatalx("cannot start the compute threads");
	if (hs_db_setup(config.database, config.db_conn_max) == -1)
		fatalx("cannot set up the database pool");
	if (hs_cache_setup(config.database) == -1)
		fatalx("cannot set up the caches");
	if (config.diagnostics)
		hs_diag_jobs_register();
	hs_fault_setup(config.diagnostics);
	if (hs_notify_meter_keys(config.meter_key_master) == -1)
		fatalx("meter_key_master: cannot read 32 hex digits from %s",
		    config.meter_key_master);
	hs_vend_setup(&config);
	hs_notify_jobs_register();
	hs_bill_setup();
	{
		char	name[96];

		snprintf(name, sizeof(name), "%s/%d", config.node_name,
		    (int)getpid());
		hs_jobs_setup(name, config.job_lease);
		load_plugins();
		hs_notify_setup(&config, name, config.workers);
	}
}

void
kore_worker_teardown(void)
{
	size_t		i;

	for (i = 0; i < config.nplugins; i++)
		hs_plugin_fini(&slots[i]);
	hs_compute_teardown();
	hs_net_teardown();
	hs_listen_teardown();
	hs_db_teardown();
	/*
	 * After this hook Kore unloads its modules, this one included, and
	 * then calls exit(): the on_exit handler above would then run from
	 * unmapped code.  Our cleanup is done and Kore's own frees nothing
	 * that outlives the process, so the worker ends here.
	 */
	fflush(NULL);
	_exit(0);
}

/* The module's onload: nothing to do, every hook above does the work. */
int
hs_onload(int action)
{
	(void)action;
	return (KORE_RESULT_OK);
}
