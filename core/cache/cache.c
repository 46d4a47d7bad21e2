#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>

#include "cache/cache.h"
#include "chat/chat.h"
#include "db/listen.h"
#include "obs/log.h"

#define CACHE_KEY_MAX	96

struct entry {
	char		 key[CACHE_KEY_MAX];
	int64_t		 tag;
	int64_t		 aux;
	uint64_t	 expires;
	void		*value;
	size_t		 len;
};

struct hs_cache {
	const char	*name;
	struct entry	*slots;
	size_t		 nslots;
	uint64_t	 ttl_ms;
};

struct hs_cache	*hs_cache_principals;
struct hs_cache	*hs_cache_meters;

static uint64_t	generation;

/* FNV-1a: keys are short, a direct-mapped slot per hash is enough. */
static size_t
slot_of(const struct hs_cache *c, const char *key)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	for (; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= 0x100000001b3ULL;
	}
	return ((size_t)(h % c->nslots));
}

struct hs_cache *
hs_cache_new(const char *name, size_t nslots, uint64_t ttl_ms)
{
	struct hs_cache	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->slots = calloc(nslots, sizeof(*c->slots))) == NULL)
		fatal("cache: out of memory");
	c->name = name;
	c->nslots = nslots;
	c->ttl_ms = ttl_ms;
	return (c);
}

static void
entry_clear(struct entry *e)
{
	free(e->value);
	memset(e, 0, sizeof(*e));
}

const void *
hs_cache_get(struct hs_cache *c, const char *key, size_t *len, int64_t *tag,
    int64_t *aux)
{
	struct entry	*e;

	hs_listen_poll();
	if (!hs_listen_up())
		return (NULL);
	e = &c->slots[slot_of(c, key)];
	if (e->value == NULL || strcmp(e->key, key))
		return (NULL);
	if (kore_time_ms() >= e->expires) {
		entry_clear(e);
		return (NULL);
	}
	*len = e->len;
	if (tag != NULL)
		*tag = e->tag;
	if (aux != NULL)
		*aux = e->aux;
	return (e->value);
}

void
hs_cache_put(struct hs_cache *c, uint64_t gen, const char *key, int64_t tag,
    int64_t aux, const void *value, size_t len)
{
	struct entry	*e;

	if (gen != generation || !hs_listen_up() ||
	    strlen(key) >= CACHE_KEY_MAX)
		return;
	e = &c->slots[slot_of(c, key)];
	entry_clear(e);
	if ((e->value = malloc(len ? len : 1)) == NULL)
		fatal("cache: out of memory");
	memcpy(e->value, value, len);
	e->len = len;
	memcpy(e->key, key, strlen(key) + 1);
	e->tag = tag;
	e->aux = aux;
	e->expires = kore_time_ms() + c->ttl_ms;
}

void
hs_cache_del(struct hs_cache *c, const char *key)
{
	struct entry	*e = &c->slots[slot_of(c, key)];

	generation++;
	if (e->value != NULL && !strcmp(e->key, key))
		entry_clear(e);
}

void
hs_cache_del_tag(struct hs_cache *c, int64_t tag)
{
	size_t	i;

	generation++;
	for (i = 0; i < c->nslots; i++) {
		if (c->slots[i].value != NULL && c->slots[i].tag == tag)
			entry_clear(&c->slots[i]);
	}
}

void
hs_cache_clear(struct hs_cache *c)
{
	size_t	i;

	generation++;
	for (i = 0; i < c->nslots; i++) {
		if (c->slots[i].value != NULL)
			entry_clear(&c->slots[i]);
	}
}

uint64_t
hs_cache_generation(void)
{
	return (generation);
}

/*
 * Payloads: "session:<hash>", "user:<id>", "apikey:<id>", "meter:<id>",
 * "meters:*".  Users and API keys are tags on principals (API keys are
 * tagged with their negative id).
 */
static void
on_notify(const char *channel, const char *payload)
{
	char	key[CACHE_KEY_MAX];

	/* The worker's one LISTEN connection also carries chat and push. */
	if (!strcmp(channel, "hs_chat") || !strcmp(channel, "hs_push")) {
		hs_chat_notify(channel, payload);
		return;
	}
	if (!strncmp(payload, "session:", 8)) {
		hs_cache_del(hs_cache_principals, payload + 8);
	} else if (!strncmp(payload, "user:", 5)) {
		hs_cache_del_tag(hs_cache_principals,
		    strtoll(payload + 5, NULL, 10));
	} else if (!strncmp(payload, "apikey:", 7)) {
		hs_cache_del_tag(hs_cache_principals,
		    -strtoll(payload + 7, NULL, 10));
	} else if (!strcmp(payload, "meters:*")) {
		hs_cache_clear(hs_cache_meters);
	} else if (!strncmp(payload, "meter:", 6)) {
		snprintf(key, sizeof(key), "m:%s", payload + 6);
		hs_cache_del(hs_cache_meters, key);
	} else {
		/* Unknown: be safe. */
		hs_cache_clear(hs_cache_principals);
		hs_cache_clear(hs_cache_meters);
	}
}

static void
on_reset(void)
{
	hs_cache_clear(hs_cache_principals);
	hs_cache_clear(hs_cache_meters);
	hs_chat_reset();
}

int
hs_cache_setup(const char *conninfo)
{
	static const char *const channels[] = { "hs_cache", "hs_chat",
	    "hs_push" };

	hs_cache_principals = hs_cache_new("principals", 8192, 30000);
	hs_cache_meters = hs_cache_new("meters", 16384, 30000);
	return (hs_listen_setup(conninfo, channels, 3, on_notify, on_reset));
}
