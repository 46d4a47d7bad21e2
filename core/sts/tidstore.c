/*
 * The anti-replay memory.  The array belongs to the caller (EEPROM or a
 * RAM mirror of it); this file only applies the rules:
 *
 *   Used  the TID equals one already stored;
 *   Old   the store is full and the TID is below the smallest stored one;
 *   else  Fresh; recording it fills an empty slot or, when full, replaces
 *         the smallest TID (the one that has become the "oldest").
 *
 * A linear scan is right for the sizes meters use (tens of entries) and
 * keeps the code small.
 */
#include "sts/sts.h"

void
hs_sts_tidstore_init(struct hs_sts_tidstore *s, uint32_t *slot,
    uint16_t size)
{
	s->slot = slot;
	s->size = size;
	s->count = 0;
}

static uint16_t
index_of_min(const struct hs_sts_tidstore *s)
{
	uint16_t	i, min = 0;

	for (i = 1; i < s->count; i++) {
		if (s->slot[i] < s->slot[min])
			min = i;
	}
	return (min);
}

enum hs_sts_tid_check
hs_sts_tidstore_check(const struct hs_sts_tidstore *s, uint32_t tid)
{
	uint16_t	i;

	for (i = 0; i < s->count; i++) {
		if (s->slot[i] == tid)
			return (HS_STS_TID_USED);
	}
	if (s->count >= s->size && s->count > 0 &&
	    tid < s->slot[index_of_min(s)])
		return (HS_STS_TID_OLD);
	return (HS_STS_TID_FRESH);
}

void
hs_sts_tidstore_record(struct hs_sts_tidstore *s, uint32_t tid)
{
	if (s->size == 0)
		return;
	if (s->count < s->size) {
		s->slot[s->count++] = tid;
		return;
	}
	s->slot[index_of_min(s)] = tid;
}

void
hs_sts_tidstore_clear(struct hs_sts_tidstore *s)
{
	uint16_t	i;

	for (i = 0; i < s->size; i++)
		s->slot[i] = 0;
	s->count = 0;
}
