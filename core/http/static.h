#ifndef HS_STATIC_H
#define HS_STATIC_H

#include "http/router.h"

void	hs_static_setup(const char *webroot);

/* Serve path from the webroot: 0 when answered, -1 when no such file. */
int	hs_static_serve(struct hs_req *r, const char *path);

#endif
