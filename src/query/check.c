/* check.c — the checks of a parsed expression against what only its
 * caller knows: the scorers a database holds. Errors read as the
 * parser's: a column, the expression and a caret under the name. */
#include "query_int.h"

#include <string.h>

/* The first predicate under e naming a scorer known() does not know, in
 * the order they are written; NULL when there is none. */
static const query_expr *first_unknown(const query_expr *e,
				       bool (*known)(void *ud, const char *name), void *ud)
{
	if (!e)
		return NULL;
	if (e->kind == QUERY_PRED)
		return e->field->scorer && e->arg && !known(ud, e->arg) ? e : NULL;
	for (size_t i = 0; i < e->n_kids; i++) {
		const query_expr *k = first_unknown(e->kids[i], known, ud);
		if (k)
			return k;
	}
	return NULL;
}

int query_check_scorers(const query_expr *e, const char *src, size_t len,
			bool (*known)(void *ud, const char *name), void *ud, const char *known_list,
			size_t *err_col, assay_error *err)
{
	assay_error local;
	if (err_col)
		*err_col = 0;
	const query_expr *bad = first_unknown(e, known, ud);
	if (!bad)
		return ASSAY_OK;
	qparser p = {.src = src ? src : "", .len = src ? len : 0, .err_col = err_col,
		     .err = err ? err : &local};
	/* the name as a message shows it: cut short, unprintables as ? */
	qparser name = {.src = bad->arg, .len = strlen(bad->arg)};
	char shown[160];
	qtok_describe(&name, &(tok){.type = TK_WORD, .len = name.len}, shown, sizeof shown);
	return qerr(&p, qoff(&p, bad->arg_col), "no scorer named %s (known: %s)", shown,
		    known_list && *known_list ? known_list : "none");
}
