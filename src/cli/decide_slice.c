/* decide_slice.c — `assay decide --where EXPR accept|reject`: one verdict
 * on every sample of a slice the annotator has not decided, recorded as
 * events like any other (a page of PAGE decisions per transaction). A dry
 * run says how many and shows a few; on a terminal it asks first, and
 * without one it goes ahead only with --yes. With --sample N it first
 * draws N samples of the slice for a human spot-check and stores the bulk
 * verdict as pending; the same command run again applies it to the rest
 * once those N are decided, or refuses when too many of them disagree.
 * `--undo --where EXPR` undoes the annotator's decisions on the slice.
 * `--where EXPR prefer P` decides the slice's pairs of candidates. A
 * verdict is for one shape: accept and reject pass over the pairs, a
 * preference over the single samples, and both say how many they left. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decide_slice.h"

#define PAGE 500
#define EXAMPLES 5
#define EXAMPLE_BYTES 60

/* The ids of a slice's samples of the shape wanted (-1 any, 0 single
 * samples, 1 pairs of candidates), the first EXAMPLES printed when show;
 * skipped counts those of the other shape. */
typedef struct idlist {
	int64_t *v;
	size_t n, cap, skipped;
	int want;
	bool show;
} idlist;

/* One example: its id and the start of its text on one line. */
static void print_example(const store_slice_row *r)
{
	char start[EXAMPLE_BYTES + 8];
	size_t n = 0;
	const char *t = r->text ? r->text : "";
	while (t[n] && n < EXAMPLE_BYTES)
		n++;
	while (n && t[n] && ((unsigned char)t[n] & 0xC0) == 0x80)
		n--; /* never cut a character in two */
	for (size_t i = 0; i < n; i++)
		start[i] = t[i] == '\n' || t[i] == '\r' || t[i] == '\t' ? ' ' : t[i];
	strcpy(start + n, t[n] ? "..." : "");
	fputs("  ", stdout);
	cli_put_safe(stdout, r->ext_id);
	fputs("  ", stdout);
	cli_put_safe(stdout, start);
	putchar('\n');
}

static int collect(void *ud, const store_slice_row *r)
{
	idlist *l = ud;
	if (l->want >= 0 && r->pair != (l->want == 1)) {
		l->skipped++;
		return 0;
	}
	if (l->show && l->n < EXAMPLES)
		print_example(r);
	if (ASSAY_GROW(l->v, l->n + 1, l->cap, 256) < 0)
		return ASSAY_ENOMEM;
	l->v[l->n++] = r->id;
	return 0;
}

/* The slice's samples that are `mine` (enum store_slice_mine) for who,
 * less those drawn for spot-check except (0: none). */
static int slice_ids(store *s, const decide_slice_opts *o, int64_t who, int mine,
		     int64_t except, bool show, idlist *l, assay_error *err)
{
	*l = (idlist){.show = show, .want = o->undo ? -1 : o->pref ? 1 : 0};
	int rc = store_slice_each(s, cli_where_get(o->where), who, mine, except, collect, l, err);
	if (rc == ASSAY_ENOMEM && !err->msg[0])
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	return rc;
}

/* The expression in single quotes, as a shell reads it back. */
static void put_quoted(const char *text)
{
	putchar('\'');
	for (const char *p = text; *p; p++) {
		char one[2] = {*p, 0};
		if (*p == '\'')
			fputs("'\\''", stdout);
		else
			cli_put_safe(stdout, one);
	}
	putchar('\'');
}

/* "the slice's samples without a verdict of bob:" */
static void put_header(const decide_slice_opts *o, bool others)
{
	printf("the slice's %ssamples %s ", others ? "other " : "",
	       o->undo ? "with a decision of" : "without a verdict of");
	cli_put_safe(stdout, o->annotator);
	puts(":");
}

static const char *verb(const decide_slice_opts *o, bool past)
{
	if (o->undo)
		return past ? "undid" : "undo";
	if (o->pref)
		return past ? "preferred" : "prefer";
	if (o->kind == STORE_ACCEPT)
		return past ? "accepted" : "accept";
	return past ? "rejected" : "reject";
}

/* "reject 37 samples as bob (reason: ...)", "prefer tie on 5 pairs as bob" */
static void put_action(const decide_slice_opts *o, bool past, size_t n)
{
	if (o->pref && !o->undo)
		printf("%s %s on %zu pairs as ", verb(o, past), store_pref_name(o->pref), n);
	else
		printf("%s %zu %s ", verb(o, past), n, o->undo ? "decisions of" : "samples as");
	cli_put_safe(stdout, o->annotator);
	if ((o->kind == STORE_REJECT || o->pref) && o->reason && !o->undo) {
		fputs(" (reason: ", stdout);
		cli_put_safe(stdout, o->reason);
		putchar(')');
	}
}

/* The slice's samples of the other shape, left undecided, and the command
 * that decides them. */
static void put_skipped(const decide_slice_opts *o, const idlist *l)
{
	if (!l->skipped)
		return;
	if (o->pref)
		printf("%zu single samples skipped (a preference is for pairs of candidates): "
		       "decide them with assay decide --annotator ", l->skipped);
	else
		printf("%zu pairs of candidates skipped (%s does not apply to a pair): decide them "
		       "with assay decide --annotator ", l->skipped, verb(o, false));
	put_quoted(o->annotator);
	fputs(" --where ", stdout);
	put_quoted(o->where->text);
	puts(o->pref ? " accept|reject" : " prefer a|b|tie|both-bad");
}

/* 0 to go ahead; else the exit code. A terminal is asked; without one,
 * only --yes goes ahead. */
static int confirm(const cli_ctx *ctx, const decide_slice_opts *o, size_t n)
{
	if (o->yes)
		return 0;
	if (!isatty(STDIN_FILENO))
		return cli_usage_error(ctx, "not asking without a terminal: add --yes to %s%s%s "
					    "%zu %s (or --dry-run to see them)",
				       verb(o, false), o->pref ? " " : "",
				       o->pref ? store_pref_name(o->pref) : "", n,
				       o->undo ? "decisions" : o->pref ? "pairs" : "samples");
	put_action(o, false, n);
	fputs("? [y/N] ", stdout);
	fflush(stdout);
	char line[64];
	if (fgets(line, sizeof line, stdin) && (line[0] == 'y' || line[0] == 'Y'))
		return 0;
	puts("nothing written");
	return EXIT_FAIL;
}

/* Decides (or undoes) every sample of l as who, PAGE per transaction;
 * *done counts the committed ones. */
static int write_pages(store *s, const decide_slice_opts *o, int64_t who, const idlist *l,
		       size_t *done, assay_error *err)
{
	*done = 0;
	for (size_t at = 0; at < l->n; at += PAGE) {
		size_t end = l->n - at > PAGE ? at + PAGE : l->n;
		int rc = store_begin(s, err);
		for (size_t i = at; rc == ASSAY_OK && i < end; i++) {
			store_decision_in in = {.sample_id = l->v[i], .annotator_id = who,
						.kind = o->kind, .reason = o->reason,
						.session = "decide", .pref = o->pref};
			int64_t event;
			rc = o->undo ? store_undo_on(s, who, l->v[i], "decide", err)
				     : store_decide(s, &in, &event, err);
		}
		if (rc == ASSAY_OK)
			rc = store_commit(s, err);
		else if (store_in_tx(s))
			store_rollback(s);
		if (rc < 0)
			return rc;
		*done = end;
	}
	return ASSAY_OK;
}

/* Asks, writes l and says what was done; returns the exit code. */
static int apply(const cli_ctx *ctx, store *s, const decide_slice_opts *o, int64_t who,
		 const idlist *l)
{
	if (o->dry_run) {
		fputs("would ", stdout);
		put_action(o, false, l->n);
		putchar('\n');
		put_skipped(o, l);
		puts("--dry-run: nothing written");
		return 0;
	}
	int code = confirm(ctx, o, l->n);
	if (code)
		return code;
	assay_error err = {0};
	size_t done;
	if (write_pages(s, o, who, l, &done, &err) < 0) {
		cli_errorf("%s (after %zu %s, which are kept)", err.msg, done,
			   o->undo ? "undos" : "decisions");
		return cli_exit_code(err.code);
	}
	put_action(o, true, done);
	if (!o->undo) {
		fputs("; undo them with: assay decide --undo --annotator ", stdout);
		put_quoted(o->annotator);
		fputs(" --where ", stdout);
		put_quoted(o->where->text);
	}
	putchar('\n');
	put_skipped(o, l);
	return 0;
}

/* Every sample left is of the other shape: said; a failure unless a dry
 * run, since nothing asked for can be done. */
static int none_applies(const decide_slice_opts *o, const idlist *l)
{
	put_skipped(o, l);
	if (o->dry_run) {
		puts("--dry-run: nothing written");
		return 0;
	}
	cli_errorf("nothing decided: the slice's %zu samples left are all %s", l->skipped,
		   o->pref ? "single samples, and a preference is for pairs of candidates"
			   : "pairs of candidates, which are decided with prefer a|b|tie|both-bad");
	return EXIT_FAIL;
}

/* Without --sample, or --undo: the slice's samples, decided at once. */
static int run_now(const cli_ctx *ctx, store *s, const decide_slice_opts *o, int64_t who)
{
	idlist l;
	assay_error err = {0};
	int mine = o->undo ? STORE_SLICE_DECIDED : STORE_SLICE_UNDECIDED;
	put_header(o, false);
	int rc = who || !o->undo ? slice_ids(s, o, who, mine, 0, true, &l, &err) : ASSAY_OK;
	if (rc < 0)
		return cli_fail(&err);
	if (!who && o->undo)
		l = (idlist){0};
	printf("%zu samples\n", l.n + l.skipped);
	int code = l.n	       ? apply(ctx, s, o, who, &l)
		   : l.skipped ? none_applies(o, &l)
			       : (puts("nothing to do"), 0);
	free(l.v);
	return code;
}

/* splitmix64: a sample's place in the draw is mix(seed ^ mix(id)). */
static uint64_t mix(uint64_t z)
{
	z += 0x9E3779B97F4A7C15ull;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

typedef struct keyed {
	uint64_t key;
	int64_t id;
} keyed;

static int by_key(const void *a, const void *b)
{
	const keyed *x = a, *y = b;
	return x->key < y->key ? -1 : x->key > y->key ? 1 : (x->id > y->id) - (x->id < y->id);
}

static int by_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The n samples of l with the smallest mix(seed ^ mix(id)), into out in
 * id order: the same seed over the same slice draws the same samples. */
static int draw(const idlist *l, uint64_t seed, size_t n, int64_t *out)
{
	keyed *k = malloc(l->n * sizeof *k);
	if (!k)
		return ASSAY_ENOMEM;
	for (size_t i = 0; i < l->n; i++)
		k[i] = (keyed){mix(seed ^ mix((uint64_t)l->v[i])), l->v[i]};
	qsort(k, l->n, sizeof *k, by_key);
	for (size_t i = 0; i < n; i++)
		out[i] = k[i].id;
	free(k);
	qsort(out, n, sizeof *out, by_id);
	return ASSAY_OK;
}

/* How many of n may disagree at the rate. */
static int64_t allowed(double rate, int64_t n)
{
	return (int64_t)(rate * (double)n + 1e-9);
}

static void put_review_hint(int64_t id)
{
	printf("review them: assay review --where 'spotcheck = %lld'\n", (long long)id);
}

/* --sample, the first run: draws the spot-check and stores it. */
static int spotcheck_start(store *s, const decide_slice_opts *o, store_spotcheck *sc)
{
	idlist l;
	assay_error err = {0};
	put_header(o, false);
	if (slice_ids(s, o, sc->annotator_id, STORE_SLICE_UNDECIDED, 0, true, &l, &err) < 0)
		return cli_fail(&err);
	printf("%zu samples\n", l.n + l.skipped);
	int code = 0;
	size_t n = (size_t)o->sample;
	int64_t *drawn = n < l.n ? malloc(n * sizeof *drawn) : NULL;
	if (n >= l.n) {
		cli_errorf("--sample %ld leaves nothing to decide in bulk: the slice has %zu samples%s "
			   "(review them all, or draw fewer)", o->sample, l.n,
			   l.skipped ? " that are not pairs of candidates" : "");
		code = EXIT_USAGE;
	} else if (!drawn || draw(&l, o->seed, n, drawn) < 0) {
		assay_fail(&err, ASSAY_ENOMEM, "out of memory");
		code = cli_fail(&err);
	} else if (o->dry_run) {
		printf("would draw %zu of them (seed %llu) for a spot-check, then ", n,
		       (unsigned long long)o->seed);
		put_action(o, false, l.n - n);
		putchar('\n');
		put_skipped(o, &l);
		puts("--dry-run: nothing written");
	} else if (store_spotcheck_add(s, o->where->text, sc, drawn, n, &err) < 0) {
		code = cli_fail(&err);
	} else {
		printf("drew %zu of them (seed %llu) for spot-check %lld; the other %zu wait until a "
		       "human has decided those %zu, and are then decided unless more than %lld of "
		       "them (%g%%) disagree\n",
		       n, (unsigned long long)o->seed, (long long)sc->id, l.n - n, n,
		       (long long)allowed(sc->max_disagree, (int64_t)n), sc->max_disagree * 100);
		put_review_hint(sc->id);
		puts("then run this command again");
		put_skipped(o, &l);
	}
	free(drawn);
	free(l.v);
	return code;
}

/* --sample, a later run: applies the pending verdict, or says why not. */
static int spotcheck_finish(const cli_ctx *ctx, store *s, const decide_slice_opts *o,
			    const store_spotcheck *sc)
{
	assay_error err = {0};
	int64_t decided, disagree;
	if (store_spotcheck_tally(s, sc, &decided, &disagree, &err) < 0)
		return cli_fail(&err);
	printf("spot-check %lld: %lld of %lld drawn samples decided", (long long)sc->id,
	       (long long)decided, (long long)sc->n);
	if (decided < sc->n) {
		puts("; the bulk verdict waits for the rest");
		put_review_hint(sc->id);
		return EXIT_FAIL;
	}
	printf(", %lld not %s (at most %lld, %g%%, may be)\n", (long long)disagree,
	       verb(o, true), (long long)allowed(sc->max_disagree, sc->n),
	       sc->max_disagree * 100);
	if (disagree > allowed(sc->max_disagree, sc->n)) {
		puts("refused: the spot-check disagrees with the bulk verdict; nothing written");
		return EXIT_FAIL;
	}
	idlist l;
	put_header(o, true);
	if (slice_ids(s, o, sc->annotator_id, STORE_SLICE_UNDECIDED, sc->id, true, &l, &err) < 0)
		return cli_fail(&err);
	printf("%zu samples\n", l.n + l.skipped);
	int code = apply(ctx, s, o, sc->annotator_id, &l);
	free(l.v);
	if (code == 0 && !o->dry_run && store_spotcheck_applied(s, sc->id, &err) < 0)
		code = cli_fail(&err);
	return code;
}

static int run_spotcheck(const cli_ctx *ctx, store *s, const decide_slice_opts *o, int64_t who)
{
	store_spotcheck sc = {.kind = o->kind, .reason = o->reason, .annotator_id = who,
			      .seed = o->seed, .max_disagree = o->max_disagree};
	bool found = false;
	assay_error err = {0};
	if (who && store_spotcheck_find(s, o->where->text, &sc, &found, &err) < 0)
		return cli_fail(&err);
	return found ? spotcheck_finish(ctx, s, o, &sc) : spotcheck_start(s, o, &sc);
}

int decide_slice(const cli_ctx *ctx, const decide_slice_opts *o)
{
	store *s = NULL;
	store_options so = {.must_exist = true, .readonly = o->dry_run};
	int code = cli_open_store(ctx, &so, &s);
	if (code)
		return code;
	assay_error err = {0};
	int64_t who = 0;
	int rc = o->dry_run || o->undo ? store_annotator_find(s, o->annotator, &who, &err)
				       : store_annotator_ensure(s, o->annotator, &who, &err);
	if (rc < 0) {
		store_close(s);
		return cli_fail(&err);
	}
	fputs("slice: ", stdout);
	cli_put_safe(stdout, o->where->text);
	putchar('\n');
	code = o->sample > 0 && !o->undo ? run_spotcheck(ctx, s, o, who) : run_now(ctx, s, o, who);
	store_close(s);
	return code;
}
