/* cmd_review.c — `assay review`: options, configuration and theme, then
 * the review screen; prints the session summary when it closes. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assay/score.h"
#include "assay/tui.h"
#include "assay_version.h"
#include "cli.h"

static const char help[] =
	"usage: assay review [OPTIONS]\n"
	"\n"
	"The review screen: one sample at a time, a decision per key (? lists the\n"
	"keys). Every decision is saved before the next sample is shown.\n"
	"\n"
	"Options:\n"
	"  --annotator NAME  who reviews (default: $ASSAY_ANNOTATOR, else $USER)\n"
	"  --batch NAME      only this batch\n"
	"  --order ORDER     quality (lowest combined score first; the default once\n"
	"                    samples are scored), import, random, learned (the\n"
	"                    likeliest rejection by the learned model first) or\n"
	"                    uncertain (closest to the model's decision boundary\n"
	"                    first, never two near-duplicates in a row); in the\n"
	"                    learned orders, samples without a learned score come\n"
	"                    last (`assay learn`, then `assay score`, gives them one)\n"
	"  --seed N          the random order's seed (default 1)\n"
	"  --show WHICH      undecided (default; skipped ones come back at the end),\n"
	"                    skipped, rejected, edited or all\n"
	"  --overlap K       up to K annotators decide each sample (default 1: two\n"
	"                    annotators never get the same sample)\n"
	"  --theme NAME|PATH default, light, high-contrast, mono, or a theme file\n"
	"                    (default: the config's `theme`, else default)\n"
	"  --config FILE     read this configuration instead of the usual ones\n"
	"  --where EXPR      only the samples of a slice, e.g. 'flagged(repetition) and\n"
	"                    meta.model = \"llava\"' (see assay export --help); f on the\n"
	"                    screen edits it; the top bar shows it and the slice's count\n"
	"  --slice NAME      the where of [slice.NAME] in the configuration\n"
	"  --retrain-every N the learned model retrains in the background after\n"
	"                    every N decisions of the session (default: the\n"
	"                    config's review.retrain_every, else 50; 0: never),\n"
	"                    then the undecided samples' learned scores follow it a\n"
	"                    few at a time; the top bar shows its out-of-fold AUC\n"
	"  --conflicts       for a lead: walk the samples whose annotators disagree,\n"
	"                    see every verdict and edit, and record the final word\n"
	"                    (export honours it over the annotators' verdicts)\n"
	"  -h, --help        this help\n"
	"\n"
	"Configuration: $XDG_CONFIG_HOME/assay/config, then ./assay.conf, in\n"
	"key = value form: `theme = light`, `reasons = a, b, other`; a named\n"
	"slice is a section: [slice.flagged-rep] then where = flagged(repetition).\n"
	"\n"
	"A sample on screen is leased to its annotator for $ASSAY_LEASE_MS\n"
	"milliseconds (default 600000), renewed while it stays there; a crashed\n"
	"session's sample goes back to the queue when its lease runs out.\n";

/* in enum store_order's order */
static const char *const orders[] = {"quality", "import", "random", "learned", "uncertain"};
static const char *const shows[] = {"undecided", "skipped", "rejected", "edited", "all"};

static int pick(const char *v, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	return -1;
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
		   "`assay learn`, then run `assay score`)", orders[order]);
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

/* The options of the command beside the review's own. */
typedef struct review_args {
	const char *theme, *config, *slice;
	bool conflicts;
	cli_where where;
} review_args;

/* One option of o; 1 when c is not one; else 0 or the exit code. */
static int queue_option(cli_ctx *ctx, tui_review_opts *o, int c)
{
	long v;
	switch (c) {
	case 'a': o->annotator = optarg; return 0;
	case 'b': o->batch = optarg; return 0;
	case 'o':
		if ((o->order = pick(optarg, orders, 5)) < 0)
			return cli_usage_error(ctx, "--order: expected quality, import, random, "
						    "learned or uncertain, got \"%s\"", optarg);
		return 0;
	case 'S':
		if (!cli_parse_long(optarg, 0, 0x7fffffffL, &v))
			return cli_usage_error(ctx, "--seed: expected a non-negative integer");
		o->seed = (uint64_t)v;
		return 0;
	case 's':
		if ((o->show = pick(optarg, shows, 5)) < 0)
			return cli_usage_error(ctx, "--show: expected undecided, skipped, rejected, "
						    "edited or all, got \"%s\"", optarg);
		return 0;
	case 'k':
		if (!cli_parse_long(optarg, 1, 100, &v))
			return cli_usage_error(ctx, "--overlap: expected a number from 1 to 100");
		o->overlap = (int)v;
		return 0;
	case 'R':
		if (!cli_parse_long(optarg, 0, 1000000, &v))
			return cli_usage_error(ctx, "--retrain-every: expected a number of decisions "
						    "from 0 (never) to 1000000, got \"%s\"", optarg);
		o->retrain_every = (int)v;
		return 0;
	default: return 1;
	}
}

/* Reads the options; 0 when fine, -1 after --help, else the exit code. */
static int parse_args(cli_ctx *ctx, int argc, char **argv, tui_review_opts *o, review_args *r)
{
	static const struct option longopts[] = {
		{"annotator", required_argument, NULL, 'a'},
		{"batch", required_argument, NULL, 'b'},
		{"order", required_argument, NULL, 'o'},
		{"seed", required_argument, NULL, 'S'},
		{"show", required_argument, NULL, 's'},
		{"overlap", required_argument, NULL, 'k'},
		{"retrain-every", required_argument, NULL, 'R'},
		{"theme", required_argument, NULL, 't'},
		{"config", required_argument, NULL, 'c'},
		{"conflicts", no_argument, NULL, 'C'},
		{"where", required_argument, NULL, 'w'},
		{"slice", required_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c, code;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 't': r->theme = optarg; break;
		case 'c': r->config = optarg; break;
		case 'C': r->conflicts = true; break;
		case 'L': r->slice = optarg; break;
		case 'w':
			if ((code = cli_where_parse(ctx, optarg, &r->where)))
				return code;
			break;
		case 'h':
			fputs(help, stdout);
			return -1;
		default:
			if ((code = queue_option(ctx, o, c)) == 1)
				return cli_bad_option(ctx, c, argv);
			if (code)
				return code;
		}
	}
	return 0;
}

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
	if (code)
		cli_errorf("(the where of [slice.%s], %s:%d)", r->slice, origin ? origin : "?", line);
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
		cli_errorf("the review screen needs a terminal (for scripts: assay decide)");
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
	tui_review_opts o = {.db_name = ctx->db, .annotator = getenv("ASSAY_ANNOTATOR"),
			     .order = -1, .seed = 1, .overlap = 1, .retrain_every = -1};
	if (!o.annotator || !*o.annotator)
		o.annotator = getenv("USER");
	review_args ra = {0};
	int code = parse_args(ctx, argc, argv, &o, &ra);
	if (code == 0 && optind < argc)
		code = cli_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	else if (code == 0 && (!o.annotator || !*o.annotator))
		code = cli_usage_error(ctx, "who reviews? give --annotator NAME (or set "
					    "$ASSAY_ANNOTATOR)");
	else if (code == 0)
		code = review(ctx, &o, &ra);
	cli_where_free(&ra.where);
	return code < 0 ? 0 : code;
}
