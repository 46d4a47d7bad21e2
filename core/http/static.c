/*
 * Static files from the webroot: the admin console and the customer PWA.
 * A GET or HEAD that matches no route is looked up here.  Paths are
 * checked before they touch the file system: only [A-Za-z0-9._-] segments,
 * no "..", no hidden files, so a request can never leave the webroot.
 * Files are read per request; the kernel's page cache keeps that cheap,
 * and nothing has to be invalidated when the web build changes.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/router.h"
#include "http/static.h"

#define STATIC_FILE_MAX	(8 * 1024 * 1024)

static char	webroot[PATH_MAX];

static const struct {
	const char	*ext;
	const char	*type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".webmanifest", "application/manifest+json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".woff2", "font/woff2" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ NULL, NULL }
};

void
hs_static_setup(const char *root)
{
	snprintf(webroot, sizeof(webroot), "%s", root);
}

/* Is every segment of path made of safe characters, none starting '.'? */
static int
safe_path(const char *path)
{
	const char	*p;
	int		 seg_start;

	if (path[0] != '/' || strlen(path) > 512)
		return (0);
	seg_start = 1;
	for (p = path + 1; *p != '\0'; p++) {
		if (*p == '/') {
			if (seg_start)
				return (0);	/* "//" */
			seg_start = 1;
			continue;
		}
		if (seg_start && *p == '.')
			return (0);		/* "..", hidden files */
		seg_start = 0;
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
		    *p == '_'))
			return (0);
	}
	return (1);
}

static const char *
type_of(const char *path)
{
	const char	*dot;
	int		 i;

	if ((dot = strrchr(path, '.')) == NULL)
		return ("application/octet-stream");
	for (i = 0; types[i].ext != NULL; i++) {
		if (!strcmp(dot, types[i].ext))
			return (types[i].type);
	}
	return ("application/octet-stream");
}

int
hs_static_serve(struct hs_req *r, const char *path)
{
	char		 file[PATH_MAX + 600];
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	size_t		 off;
	int		 fd;

	if (webroot[0] == '\0' || !safe_path(path))
		return (-1);
	if (path[strlen(path) - 1] == '/')
		snprintf(file, sizeof(file), "%s%sindex.html", webroot, path);
	else
		snprintf(file, sizeof(file), "%s%s", webroot, path);
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > STATIC_FILE_MAX) {
		close(fd);
		return (-1);
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		fatal("static: out of memory");
	for (off = 0; off < (size_t)st.st_size; off += (size_t)n) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n <= 0) {
			free(buf);
			close(fd);
			return (-1);
		}
	}
	close(fd);

	http_response_header(r->http, "content-type", type_of(file));
	http_response_header(r->http, "x-content-type-options", "nosniff");
	http_response_header(r->http, "referrer-policy", "same-origin");
	http_response_header(r->http, "content-security-policy",
	    "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
	    "frame-ancestors 'none'");
	http_response_header(r->http, "cache-control", "no-cache");
	http_response(r->http, 200, buf, off);
	free(buf);
	return (0);
}
