#include <stddef.h>

#include "tariff/tariff.h"

#define BP	10000

const char *
hs_tariff_check(const struct hs_tariff *t)
{
	int	i;

	if (t->nblocks < 1 || t->nblocks > HS_TARIFF_BLOCKS_MAX)
		return ("a tariff has 1 to 10 blocks");
	for (i = 0; i < t->nblocks; i++) {
		if (t->blocks[i].price < 0)
			return ("a block's price is negative");
		if (t->blocks[i].price > 1000000000)
			return ("a block's price is over Rp1,000,000 per unit");
		if (i == t->nblocks - 1) {
			if (t->blocks[i].upto != HS_TARIFF_NO_END &&
			    t->blocks[i].upto <= (i ? t->blocks[i - 1].upto : 0))
				return ("blocks must ascend");
			continue;
		}
		if (t->blocks[i].upto == HS_TARIFF_NO_END)
			return ("only the last block may be open-ended");
		if (t->blocks[i].upto <= (i ? t->blocks[i - 1].upto : 0))
			return ("blocks must ascend");
	}
	if (t->fixed_monthly < 0 || t->minimum_charge < 0 || t->admin_fee < 0)
		return ("charges and fees must not be negative");
	if (t->tax_bp < 0 || t->tax_bp > BP || t->late_penalty_bp < 0 ||
	    t->late_penalty_bp > BP)
		return ("rates are 0 to 10000 basis points");
	if (t->resolution < 1)
		return ("resolution must be at least 1");
	return (NULL);
}

/* milli-rupiah to rupiah, half up (amounts are never negative here). */
static int64_t
rupiah(int64_t milli)
{
	return ((milli + 500) / 1000);
}

static int64_t
block_start(const struct hs_tariff *t, int i)
{
	return (i == 0 ? 0 : t->blocks[i - 1].upto);
}

static int64_t
block_end(const struct hs_tariff *t, int i)
{
	return (t->blocks[i].upto == HS_TARIFF_NO_END ? INT64_MAX :
	    t->blocks[i].upto);
}

static void
add_line(struct hs_tariff_line *lines, int *n, const char *what, int block,
    int64_t units, int64_t price, int64_t amount)
{
	if (lines == NULL || *n >= HS_TARIFF_LINES_MAX)
		return;
	lines[*n].what = what;
	lines[*n].block = block;
	lines[*n].units = units;
	lines[*n].price = price;
	lines[*n].amount = amount;
	(*n)++;
}

int64_t
hs_tariff_cost(const struct hs_tariff *t, int64_t prior, int64_t units,
    struct hs_tariff_line *lines, int *nlines)
{
	int64_t	pos, end, from, to, n, milli, total;
	int	i;

	/* Bounds keep units * price within 64 bits. */
	if (hs_tariff_check(t) != NULL || prior < 0 || units < 0 ||
	    units > 1000000000000LL || prior > 1000000000000LL)
		return (-1);
	if (nlines != NULL)
		*nlines = 0;
	total = 0;
	pos = prior;
	end = prior + units;
	for (i = 0; i < t->nblocks && pos < end; i++) {
		from = pos > block_start(t, i) ? pos : block_start(t, i);
		to = end < block_end(t, i) ? end : block_end(t, i);
		if (to <= from)
			continue;
		n = to - from;
		milli = n * t->blocks[i].price / 1000;
		total += milli;
		add_line(lines, nlines, "block", i, n, t->blocks[i].price,
		    rupiah(milli));
		pos = to;
	}
	return (total);
}

int
hs_tariff_quote(const struct hs_tariff *t, int64_t prior, int64_t amount,
    struct hs_tariff_quote *q)
{
	int64_t	value_milli, pos, cap, n, cost, price;
	int	i;

	if (hs_tariff_check(t) != NULL || prior < 0 || amount <= 0 ||
	    amount > 1000000000000LL || prior > 1000000000000LL)
		return (-1);
	q->amount = amount;
	q->tax = (amount * t->tax_bp + BP / 2) / BP;
	q->value = amount - q->tax;
	q->admin_fee = t->admin_fee;
	q->total = amount + t->admin_fee;
	q->units = 0;
	q->nlines = 0;

	/* Walk the blocks from this month's position, buying what fits. */
	value_milli = q->value * 1000;
	pos = prior;
	for (i = 0; i < t->nblocks && value_milli > 0; i++) {
		if (pos >= block_end(t, i))
			continue;
		price = t->blocks[i].price;
		cap = block_end(t, i) - (pos > block_start(t, i) ? pos :
		    block_start(t, i));
		if (price == 0) {
			/* A free block gives all of itself; an endless free
			 * block would give without limit. */
			if (t->blocks[i].upto == HS_TARIFF_NO_END)
				return (-1);
			n = cap;
		} else {
			/* Whole base units the remaining value pays for. */
			n = value_milli * 1000 / price;
			if (n > cap)
				n = cap;
		}
		cost = n * price / 1000;
		if (n > 0)
			add_line(q->lines, &q->nlines, "block", i, n, price,
			    rupiah(cost));
		value_milli -= cost;
		q->units += n;
		pos += n;
		if (n < cap)
			break;
	}
	if (q->units <= 0)
		return (-1);
	q->token_units = (q->units + t->resolution - 1) / t->resolution *
	    t->resolution;
	if (q->tax > 0)
		add_line(q->lines, &q->nlines, "tax", -1, 0, t->tax_bp,
		    q->tax);
	if (t->admin_fee > 0)
		add_line(q->lines, &q->nlines, "admin fee", -1, 0, 0,
		    t->admin_fee);
	return (0);
}

int
hs_tariff_bill(const struct hs_tariff *t, int64_t units,
    struct hs_tariff_bill *b)
{
	int64_t	milli, usage;

	b->nlines = 0;
	if ((milli = hs_tariff_cost(t, 0, units, b->lines, &b->nlines)) < 0)
		return (-1);
	usage = rupiah(milli);
	b->usage = usage;
	b->minimum_topup = usage < t->minimum_charge ? t->minimum_charge -
	    usage : 0;
	if (b->minimum_topup > 0)
		add_line(b->lines, &b->nlines, "minimum charge", -1, 0, 0,
		    b->minimum_topup);
	b->fixed = t->fixed_monthly;
	if (b->fixed > 0)
		add_line(b->lines, &b->nlines, "fixed monthly charge", -1, 0, 0,
		    b->fixed);
	b->admin_fee = t->admin_fee;
	if (b->admin_fee > 0)
		add_line(b->lines, &b->nlines, "admin fee", -1, 0, 0,
		    b->admin_fee);
	b->tax = ((usage + b->minimum_topup) * t->tax_bp + BP / 2) / BP;
	if (b->tax > 0)
		add_line(b->lines, &b->nlines, "tax", -1, 0, t->tax_bp, b->tax);
	b->total = usage + b->minimum_topup + b->fixed + b->admin_fee + b->tax;
	return (0);
}
