/*
 * Tariff arithmetic: what a quantity of water or electricity costs under a
 * tariff version, and what a payment buys.  Plain C99 on integers, no I/O,
 * shared by prepaid quotes (core/vend) and postpaid bills (core/bill).
 *
 * Units: quantities are base units, litres (water) or Wh (electricity);
 * prices are milli-rupiah per 1000 base units, i.e. per m3 or per kWh
 * times 1000 (Rp1,444.70 per kWh is 1444700); money is milli-rupiah inside
 * and whole rupiah at the edges.
 *
 * Progressive blocks are cumulative over a calendar month: a block's upto
 * is the month's running total at which it ends, so a quote or a bill
 * starts from what the meter already used or bought this month.
 */
#ifndef HS_TARIFF_H
#define HS_TARIFF_H

#include <stdint.h>

#define HS_TARIFF_BLOCKS_MAX	10
#define HS_TARIFF_LINES_MAX	(HS_TARIFF_BLOCKS_MAX + 4)
#define HS_TARIFF_NO_END	(-1)

struct hs_tariff_block {
	int64_t		upto;		/* month total where it ends, or NO_END */
	int64_t		price;		/* milli-rupiah per 1000 base units */
};

struct hs_tariff {
	int			nblocks;
	struct hs_tariff_block	blocks[HS_TARIFF_BLOCKS_MAX];
	int64_t			fixed_monthly;	/* rupiah per bill */
	int64_t			minimum_charge;	/* rupiah, usage floor */
	int64_t			admin_fee;	/* rupiah per purchase or bill */
	int			tax_bp;		/* basis points: PPJ/PBJT */
	int			late_penalty_bp;
	int64_t			resolution;	/* base units per token step: 100 */
};

/* One priced line: a block, a fee, a tax. */
struct hs_tariff_line {
	const char	*what;		/* "block", "admin fee", "tax", ... */
	int		 block;		/* for blocks: 0-based index */
	int64_t		 units;		/* base units priced on this line */
	int64_t		 price;		/* per 1000 base units, milli-rupiah */
	int64_t		 amount;	/* rupiah */
};

/* A prepaid purchase: what amount buys, line by line. */
struct hs_tariff_quote {
	int64_t			amount;		/* rupiah for energy/water + tax */
	int64_t			tax;		/* rupiah, part of amount */
	int64_t			value;		/* amount - tax: buys units */
	int64_t			admin_fee;	/* rupiah, on top */
	int64_t			total;		/* amount + admin fee: to pay */
	int64_t			units;		/* base units value buys */
	int64_t			token_units;	/* units, rounded up to resolution */
	int			nlines;
	struct hs_tariff_line	lines[HS_TARIFF_LINES_MAX];
};

/* A postpaid charge for usage in one period. */
struct hs_tariff_bill {
	int64_t			usage;		/* rupiah through the blocks */
	int64_t			minimum_topup;	/* rupiah added to reach minimum */
	int64_t			fixed;
	int64_t			admin_fee;
	int64_t			tax;
	int64_t			total;
	int			nlines;
	struct hs_tariff_line	lines[HS_TARIFF_LINES_MAX];
};

/*
 * Check a tariff: 1..10 blocks, upto strictly ascending and positive, only
 * the last open-ended (NO_END), prices and fees >= 0, rates 0..10000 bp,
 * resolution >= 1.  Returns NULL, or what is wrong.
 */
const char	*hs_tariff_check(const struct hs_tariff *t);

/*
 * Cost in milli-rupiah of `units` consumed after `prior` units this month,
 * with one line per block touched (rupiah rounded half up per line) when
 * lines is not NULL.  -1 on bad input.
 */
int64_t	hs_tariff_cost(const struct hs_tariff *t, int64_t prior, int64_t units,
	    struct hs_tariff_line *lines, int *nlines);

/*
 * What `amount` rupiah buys after `prior` units this month.  As PLN does:
 * the tax is taken from the amount (tax = amount * tax_bp / 10000, rounded
 * half up), the rest buys units through the blocks (rounded down to whole
 * base units), the admin fee is paid on top.  token_units rounds up to the
 * tariff's resolution, in the customer's favour, as STS rounds amounts.
 * Returns 0, or -1 when the amount buys nothing or the input is bad.
 */
int	hs_tariff_quote(const struct hs_tariff *t, int64_t prior,
	    int64_t amount, struct hs_tariff_quote *q);

/*
 * A period's bill for `units` used: usage through the blocks from zero,
 * raised to the minimum charge, plus fixed monthly charge and admin fee,
 * then tax on usage.  Returns 0 or -1.
 */
int	hs_tariff_bill(const struct hs_tariff *t, int64_t units,
	    struct hs_tariff_bill *b);

#endif
