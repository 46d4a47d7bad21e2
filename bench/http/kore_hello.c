/*
 * Kore's own hello world: the ceiling our routes are measured against.
 * One route, a static JSON body, nothing else: what Kore alone costs.
 */
#include <kore/kore.h>
#include <kore/http.h>
#include <kore/seccomp.h>

int	page_hello(struct http_request *);

/* glibc >= 2.33 stats with newfstatat, which Kore 4.1's sandbox lacks. */
KORE_SECCOMP_FILTER("hello",
	KORE_SYSCALL_ALLOW(newfstatat),
);

int
page_hello(struct http_request *req)
{
	static const char	body[] = "{\"hello\":\"world\"}";

	http_response_header(req, "content-type", "application/json");
	http_response(req, 200, body, sizeof(body) - 1);
	return (KORE_RESULT_OK);
}
