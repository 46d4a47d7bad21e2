/*
 * The schema migrations, compiled into the hydrosync binary from
 * core/db/migrations/NNNN_name.up.sql (and .down.sql where a migration can
 * be reversed; a migration without one is explicitly irreversible).
 */
#ifndef HS_MIGRATIONS_H
#define HS_MIGRATIONS_H

struct hs_migration {
	int		 version;
	const char	*name;
	const char	*up;
	const char	*down;	/* NULL: irreversible */
};

extern const struct hs_migration	hs_migrations[];
extern const int			hs_nmigrations;
extern const char			hs_demo_sql[];

#endif
