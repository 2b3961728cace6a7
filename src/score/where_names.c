/* where_names.c — the scorers a --where expression names, checked against
 * those assay knows: a built-in's name, or one this database holds scores
 * of (as export --min takes them). A misspelt name would select nothing,
 * or under `not` everything, without a word. */
#include <stdlib.h>
#include <string.h>

#include "assay/query.h"
#include "assay/score.h"
#include "assay/store_audit.h"

typedef struct known_names {
	char **db;
	size_t n_db;
} known_names;

static bool builtin(void *ud, const char *name)
{
	(void)ud;
	return score_find(name) != NULL;
}

static bool known(void *ud, const char *name)
{
	const known_names *k = ud;
	for (size_t i = 0; i < k->n_db; i++)
		if (strcmp(k->db[i], name) == 0)
			return true;
	return builtin(NULL, name);
}

int score_where_check(store *s, const struct query_expr *e, const char *src, assay_error *err)
{
	size_t len = src ? strlen(src) : 0;
	/* the database is asked only about a name no built-in has */
	assay_error ignored = {0};
	if (query_check_scorers(e, src, len, builtin, NULL, "", NULL, &ignored) == ASSAY_OK)
		return ASSAY_OK;
	known_names k = {0};
	int rc = store_scorer_names(s, &k.db, &k.n_db, err);
	if (rc < 0)
		return rc;
	abuf list = {0};
	for (size_t i = 0; i < SCORE_COUNT; i++)
		abuf_printf(&list, "%s%s", i ? ", " : "", score_defs[i].name);
	for (size_t i = 0; i < k.n_db; i++)
		if (!score_find(k.db[i]))
			abuf_printf(&list, ", %s", k.db[i]);
	if (!list.data)
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	else
		rc = query_check_scorers(e, src, len, known, &k, list.data, NULL, err);
	abuf_free(&list);
	store_strings_free(k.db, k.n_db);
	return rc;
}
