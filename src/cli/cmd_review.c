/* cmd_review.c — `assay review`: options, configuration and theme, then
 * the review screen; prints the session summary when it closes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assay/score.h"
#include "assay/tui.h"
#include "assay_version.h"
#include "cli.h"
#include "opt.h"
#include "review_script.h"

static const cli_opt_value orders[] = {
	{"quality", STORE_ORDER_QUALITY}, {"import", STORE_ORDER_IMPORT},
	{"random", STORE_ORDER_RANDOM},   {"learned", STORE_ORDER_LEARNED},
	{"uncertain", STORE_ORDER_UNCERTAIN}, {0},
};
static const cli_opt_value shows[] = {
	{"undecided", STORE_SHOW_UNDECIDED}, {"skipped", STORE_SHOW_SKIPPED},
	{"rejected", STORE_SHOW_REJECTED},   {"edited", STORE_SHOW_EDITED},
	{"all", STORE_SHOW_ALL},             {0},
};

static const char *order_name(int order)
{
	for (const cli_opt_value *v = orders; v->name; v++)
		if (v->value == order)
			return v->name;
	return "?";
}

/* The learned orders need learned scores: 0, or the exit code. */
static int order_ready(store *s, int order)
{
	bool ranked = true;
	assay_error err = {0};
	if (order != STORE_ORDER_LEARNED && order != STORE_ORDER_UNCERTAIN)
		return 0;
	if (store_has_learned(s, &ranked, &err) < 0)
		return cli_fail(&err);
	if (ranked)
		return 0;
	cli_errorf("--order %s: no sample has a learned score yet (train a model with "
		   "`assay learn`, then run `assay score`)", order_name(order));
	return EXIT_USAGE;
}

static void print_summary(const tui_summary *s)
{
	int secs = (int)s->seconds;
	printf("reviewed %lld samples in %dm %02ds", (long long)s->decided, secs / 60, secs % 60);
	if (s->seconds > 1 && s->decided)
		printf(" (%.0f per hour)", (double)s->decided * 3600 / s->seconds);
	printf(": %lld accepted, %lld edited, %lld rejected, %lld skipped", (long long)s->accepted,
	       (long long)s->edited, (long long)s->rejected, (long long)s->skipped);
	if (s->undone)
		printf(", %lld undone", (long long)s->undone);
	if (s->notes)
		printf(", %lld notes", (long long)s->notes);
	putchar('\n');
	fflush(stdout);
}

/* The options: the review's own (o), and the command's. The numbers are
 * copied into o after the parse; -1: not given. */
typedef struct review_args {
	tui_review_opts o;
	long seed, overlap, retrain_every;
	const char *theme, *config, *slice;
	bool conflicts, script;
	cli_where where;
} review_args;

static const cli_opt review_rows[] = {
	CLI_STRING("annotator", 0, review_args, o.annotator, "NAME",
		   "who reviews (default: $ASSAY_ANNOTATOR, else $USER)"),
	CLI_STRING("batch", 0, review_args, o.batch, "NAME", "only this batch"),
	CLI_ENUM("order", 0, review_args, o.order, "ORDER", orders,
		 "quality (lowest combined score first; the default once\n"
		 "samples are scored), import, random, learned (the\n"
		 "likeliest rejection by the learned model first) or\n"
		 "uncertain (closest to the model's decision boundary\n"
		 "first, never two near-duplicates in a row); in the\n"
		 "learned orders, samples without a learned score come\n"
		 "last (`assay learn`, then `assay score`, gives them one)"),
	CLI_INT("seed", 0, review_args, seed, "N", 0, 0x7fffffff,
		"the random order's seed (default 1)"),
	CLI_ENUM("show", 0, review_args, o.show, "WHICH", shows,
		 "undecided (default; skipped ones come back at the end),\n"
		 "skipped, rejected, edited or all"),
	CLI_INT("overlap", 0, review_args, overlap, "K", 1, 100,
		"up to K annotators decide each sample (default 1: two\n"
		"annotators never get the same sample)"),
	CLI_STRING("theme", 0, review_args, theme, "NAME|PATH",
		   "default, light, high-contrast, mono, or a theme file\n"
		   "(default: the config's `theme`, else default)"),
	CLI_STRING("config", 0, review_args, config, "FILE",
		   "read this configuration instead of the usual ones"),
	CLI_WHERE(review_args, where,
		  "only the samples of a slice, e.g. 'flagged(repetition) and\n"
		  "meta.model = \"llava\"' (see assay export --help); f on the\n"
		  "screen edits it; the top bar shows it and the slice's count"),
	CLI_STRING("slice", 0, review_args, slice, "NAME",
		   "the where of [slice.NAME] in the configuration"),
	CLI_INT_EXPECT("retrain-every", 0, review_args, retrain_every, "N", 0, 1000000,
		       "a number of decisions from 0 (never) to 1000000",
		       "the learned model retrains in the background after\n"
		       "every N decisions of the session (default: the\n"
		       "config's review.retrain_every, else 50; 0: never),\n"
		       "then the undecided samples' learned scores follow it a\n"
		       "few at a time; the top bar shows its out-of-fold AUC"),
	CLI_FLAG("conflicts", 0, review_args, conflicts,
		 "for a lead: walk the samples whose annotators disagree,\n"
		 "see every verdict and edit, and record the final word\n"
		 "(export honours it over the annotators' verdicts)"),
	CLI_FLAG("script", 0, review_args, script,
		 "no screen: the queue driven by commands on standard\n"
		 "input, one a line (next, accept, skip, reject REASON,\n"
		 "edit TEXT, prefer a|b|tie|both-bad [REASON] on a pair,\n"
		 "undo), each answered on standard output once stored\n"
		 "(\"sample ID\", \"decided ID VERDICT [PREF]\", \"undone\n"
		 "ID\"; \"empty\" ends it); ID is the sample's id as\n"
		 "imported, as a JSON string when it holds anything but\n"
		 "printable ASCII without spaces, quotes or backslashes;\n"
		 "a bad line exits 2 naming its line"),
	CLI_HELP(),
	CLI_END(),
};

const cli_opts cli_review_opts = {
	.head = "usage: assay review [OPTIONS]\n"
		"\n"
		"The review screen: one sample at a time, a decision per key (? lists the\n"
		"keys). Every decision is saved before the next sample is shown.\n"
		"\n",
	.rows = review_rows,
	.column = 20,
	.foot = "\n"
		"Configuration: $XDG_CONFIG_HOME/assay/config, then ./assay.conf, in\n"
		"key = value form: `theme = light`, `reasons = a, b, other`; a named\n"
		"slice is a section: [slice.flagged-rep] then where = flagged(repetition).\n"
		"\n"
		"A sample on screen is leased to its annotator for $ASSAY_LEASE_MS\n"
		"milliseconds (default 600000), renewed while it stays there; a crashed\n"
		"session's sample goes back to the queue when its lease runs out.\n",
};

/* --slice NAME: the where of [slice.NAME] in the configuration, checked
 * as --where is; 0 or the exit code. */
static int slice_from_conf(cli_ctx *ctx, const conf *cf, review_args *r)
{
	if (!r->slice)
		return 0;
	if (r->where.set)
		return cli_usage_error(ctx, "--slice and --where: give one (a slice's where can "
					    "join more with 'and')");
	char key[256];
	snprintf(key, sizeof key, "slice.%s.where", r->slice);
	const char *expr = strlen(r->slice) < 200 ? conf_get(cf, key, NULL) : NULL;
	if (!expr)
		return cli_usage_error(ctx, "--slice %s: the configuration has no [slice.%s] with a "
					    "`where = EXPR`", r->slice, r->slice);
	int line = 0;
	const char *origin = conf_origin(cf, key, &line);
	int code = cli_where_parse(ctx, expr, &r->where);
	/* said after a bad expression, now or when its scorers are checked */
	snprintf(r->where.origin, sizeof r->where.origin, "(the where of [slice.%s], %s:%d)",
		 r->slice, origin ? origin : "?", line);
	if (code)
		cli_errorf("%s", r->where.origin);
	return code;
}

/* Opens the database and runs the screen; returns the exit code. */
static int run_screen(cli_ctx *ctx, tui_review_opts *o, bool conflicts)
{
	store *s = NULL;
	store_options so = {.must_exist = true, .small_cache = true};
	assay_error err = {0};
	int code = cli_open_store(ctx, &so, &s);
	if (code)
		return code;
	if (o->order < 0) {
		bool scored = false;
		store_has_quality(s, &scored, &err);
		o->order = scored ? STORE_ORDER_QUALITY : STORE_ORDER_IMPORT;
	}
	if ((code = order_ready(s, o->order)) != 0) {
		store_close(s);
		return code;
	}
	if (conflicts && o->where) {
		store_close(s);
		return cli_usage_error(ctx, "--conflicts walks every conflict: no --where or --slice");
	}
	tui_summary sum;
	int rc = conflicts ? tui_conflicts_run(s, o, &sum, &err) : tui_review_run(s, o, &sum, &err);
	store_close(s);
	if (rc < 0)
		return cli_fail(&err);
	if (conflicts)
		printf("settled %lld conflicting samples: %lld accepted, %lld edited, %lld rejected; "
		       "%lld passed over\n", (long long)sum.decided, (long long)sum.accepted,
		       (long long)sum.edited, (long long)sum.rejected, (long long)sum.skipped);
	else
		print_summary(&sum);
	if (sum.unsaved) {
		/* q twice while another writer held the database: said, never silent */
		cli_errorf("not saved: your last %s (another writer held the database when "
			   "you left the screen)", sum.unsaved);
		return EXIT_BUSY;
	}
	return 0;
}

/* After the options: the configuration, the theme, the LLM endpoint of
 * `S`, the slice; then the screen. Returns the exit code. */
static int review(cli_ctx *ctx, tui_review_opts *o, review_args *ra)
{
	long v;
	/* $ASSAY_LEASE_MS (1000..86400000): how long a sample on screen stays
	 * this annotator's without a renewal (default ten minutes) */
	if (cli_parse_long(getenv("ASSAY_LEASE_MS"), 1000, 86400000L, &v))
		o->lease_ms = v;
	if (ra->script && (ra->conflicts || ra->where.set || ra->slice))
		return cli_usage_error(ctx, "--script drives the queue alone: no --conflicts, "
					    "--where or --slice");
	if (ra->script)
		return cli_review_script(ctx, o);
	assay_error err = {0};
	conf *cf = NULL;
	conf_theme th;
	int code = cli_load_look(ra->config, ra->theme, &cf, &th);
	if (code)
		return code;
	o->theme = &th;
	o->config = cf;
	if ((code = slice_from_conf(ctx, cf, ra))) {
		conf_free(cf);
		return code;
	}
	o->where = ra->where.set ? ra->where.text : NULL;
	/* `S` asks the configured LLM endpoint (the llm-judge's) for corrections */
	score_config sc;
	score_config_init(&sc);
	if (score_config_from_conf(&sc, cf, &err) < 0)
		code = cli_fail(&err);
	const char *key = getenv("ASSAY_API_KEY");
	if (!key || !*key)
		key = getenv("OPENAI_API_KEY");
	sc.judge.net.bearer = key && *key ? key : NULL;
	o->judge = sc.judge.endpoint ? &sc.judge : NULL;
	o->scoring = &sc;
	if (!code && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		cli_errorf("the review screen needs a terminal (for scripts: assay review --script "
			   "reads commands from standard input, assay decide records decisions)");
		code = EXIT_USAGE;
	}
	if (!code)
		code = run_screen(ctx, o, ra->conflicts);
	score_config_free(&sc);
	conf_free(cf);
	return code;
}

int cmd_review(cli_ctx *ctx, int argc, char **argv)
{
	review_args a = {.o = {.db_name = ctx->db, .annotator = getenv("ASSAY_ANNOTATOR"),
			       .order = -1},
			 .seed = 1, .overlap = 1, .retrain_every = -1};
	if (!a.o.annotator || !*a.o.annotator)
		a.o.annotator = getenv("USER");
	int code = cli_opts_parse(ctx, &cli_review_opts, argc, argv, &a, NULL);
	a.o.seed = (uint64_t)a.seed;
	a.o.overlap = (int)a.overlap;
	a.o.retrain_every = (int)a.retrain_every;
	if (code == 0 && (!a.o.annotator || !*a.o.annotator))
		code = cli_usage_error(ctx, "who reviews? give --annotator NAME (or set "
					    "$ASSAY_ANNOTATOR)");
	else if (code == 0)
		code = review(ctx, &a.o, &a);
	cli_where_free(&a.where);
	return code == CLI_OPTS_DONE ? 0 : code;
}
