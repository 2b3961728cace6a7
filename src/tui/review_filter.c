/* review_filter.c — the review queue's --where: the slice it starts with,
 * shown in the top bar, and `f`, which edits it without leaving the
 * screen. A new expression is parsed and compiled first: a bad one leaves
 * the filter as it was and says where (its column); a good one narrows
 * the queue (every probe prepared once with it) and walks it afresh. */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "assay/query.h"
#include "assay/score.h"

struct review_filter {
	query_expr *ast;
	store_where w;
	char *text; /* the canonical spelling */
};

static void filter_free(struct review_filter *f)
{
	if (!f)
		return;
	query_free(f->ast);
	store_where_free(&f->w);
	free(f->text);
	free(f);
}

/* Parses and compiles src, and checks the scorers it names against s's;
 * NULL with err filled (its first line says the column). */
static struct review_filter *filter_new(store *s, const char *src, assay_error *err)
{
	struct review_filter *f = calloc(1, sizeof *f);
	if (!f) {
		assay_fail(err, ASSAY_ENOMEM, "out of memory");
		return NULL;
	}
	int rc = query_parse(src, strlen(src), &f->ast, NULL, err);
	if (rc == ASSAY_OK)
		rc = score_where_check(s, f->ast, src, err);
	if (rc == ASSAY_OK)
		rc = store_where_compile(f->ast, &f->w, err);
	if (rc == ASSAY_OK && !(f->text = query_print(f->ast)))
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	if (rc < 0) {
		filter_free(f);
		return NULL;
	}
	return f;
}

/* Puts f (NULL: none) in force on the queue; on failure the queue and
 * the filter stay as they were and f is freed. */
static int filter_use(app *a, struct review_filter *f, assay_error *err)
{
	store_queue q = a->q;
	q.slice = NULL;
	int rc = store_queue_where(a->s, &q, f ? &f->w : NULL, err);
	if (rc < 0) {
		filter_free(f);
		return rc;
	}
	store_queue_where_free(&a->q);
	a->q = q;
	filter_free(a->filter);
	a->filter = f;
	return ASSAY_OK;
}

int tui_filter_start(app *a, const char *src, assay_error *err)
{
	if (!src)
		return ASSAY_OK;
	struct review_filter *f = filter_new(a->s, src, err);
	return f ? filter_use(a, f, err) : err->code;
}

void tui_filter_free(app *a)
{
	store_queue_where_free(&a->q);
	filter_free(a->filter);
	a->filter = NULL;
}

const char *tui_filter_text(const app *a)
{
	return a->filter ? a->filter->text : NULL;
}

static void filtered(tui_view *v, char *text)
{
	app *a = APP(v);
	if (!text)
		return;
	assay_error err = {0};
	struct review_filter *f = NULL;
	if (*text && !(f = filter_new(a->s, text, &err))) {
		/* the message line: "column N: ..." without the caret lines */
		char *nl = strchr(err.msg, '\n');
		if (nl)
			*nl = '\0';
		tui_message(a->b, true, "filter unchanged: %s", err.msg);
	} else if (filter_use(a, f, &err) < 0) {
		tui_message(a->b, true, "filter unchanged: %s", err.msg);
	} else {
		tui_requeue(a);
		tui_message(a->b, false, "%s%s", f ? "filter: " : "no filter: every sample",
			    f ? f->text : "");
	}
	free(text);
}

void tui_key_filter(tui_view *v)
{
	app *a = APP(v);
	tui_prompt_edit(v, "filter (empty: none):", a->filter ? a->filter->text : "", filtered);
}
