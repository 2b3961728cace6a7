/* cmd_score.c — `assay score`: run the built-in and remote scorers over the
 * database, skipping what is current, and print what was flagged. Also the
 * scoring that `assay import` runs after an import. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/conf.h"
#include "assay/score.h"
#include "cli.h"
#include "opt.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
	signal(SIGINT, SIG_DFL);
}

typedef struct score_ui {
	cli_progress bar;
	char extra[128];
} score_ui;

static void progress(void *ud, const score_progress *p)
{
	score_ui *ui = ud;
	snprintf(ui->extra, sizeof ui->extra, "%s: %lld scored, %lld flagged, %lld errors",
		 p->phase, (long long)p->scored, (long long)p->flagged, (long long)p->failed);
	cli_progress_update(&ui->bar, p->done, p->total, "samples", ui->extra, false);
}

/* Options that override the remote scorers' configuration. */
typedef struct remote_flags {
	const char *endpoint, *model, *prompt, *label;
	bool label_bad, insecure, no_format;
	long concurrency, retries;
	double timeout, connect_timeout;
} remote_flags;

static int apply_remote(score_config *cfg, const remote_flags *f, assay_error *err)
{
	score_remote *rs[2] = {&cfg->judge, &cfg->classifier};
	char num[64];
	for (int i = 0; i < 2; i++) {
		const char *sec = i ? "score.classifier" : "score.llm-judge";
		int rc = 0;
		if (f->endpoint)
			rc = score_config_set(cfg, sec, "endpoint", f->endpoint, err);
		if (rc == 0 && f->concurrency) {
			snprintf(num, sizeof num, "%ld", f->concurrency);
			rc = score_config_set(cfg, sec, "concurrency", num, err);
		}
		if (rc == 0 && f->retries >= 0) {
			snprintf(num, sizeof num, "%ld", f->retries);
			rc = score_config_set(cfg, sec, "retries", num, err);
		}
		if (rc == 0 && f->timeout > 0) {
			snprintf(num, sizeof num, "%g", f->timeout);
			rc = score_config_set(cfg, sec, "timeout", num, err);
		}
		if (rc == 0 && f->connect_timeout > 0) {
			snprintf(num, sizeof num, "%g", f->connect_timeout);
			rc = score_config_set(cfg, sec, "connect_timeout", num, err);
		}
		if (f->insecure)
			rs[i]->net.insecure = true;
		if (rc < 0)
			return rc;
	}
	if (f->model && score_config_set(cfg, "score.llm-judge", "model", f->model, err) < 0)
		return err->code;
	if (f->prompt &&
	    score_config_set(cfg, "score.llm-judge", "prompt_file", f->prompt, err) < 0)
		return err->code;
	if (f->no_format)
		cfg->judge.response_format = false;
	if (f->label && score_config_set(cfg, "score.classifier", "label", f->label, err) < 0)
		return err->code;
	if (f->label)
		cfg->classifier.label_bad = f->label_bad;
	/* The key lives only in the process's memory, for the request headers. */
	const char *key = getenv("ASSAY_API_KEY");
	if (!key || !*key)
		key = getenv("OPENAI_API_KEY");
	cfg->judge.net.bearer = cfg->classifier.net.bearer = key && *key ? key : NULL;
	return ASSAY_OK;
}

static int load_config(score_config *cfg, const char *path, const char *const *sets,
		       size_t n_sets, assay_error *err)
{
	conf *c = conf_new();
	if (!c)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	int rc = conf_load_default(c, path, err);
	for (size_t i = 0; i < n_sets && rc == 0; i++) {
		const char *eq = strchr(sets[i], '=');
		if (!eq) {
			rc = assay_fail(err, ASSAY_EINVAL, "--set: expected KEY=VALUE, got \"%s\"",
					sets[i]);
			break;
		}
		char *key = assay_strndup(sets[i], (size_t)(eq - sets[i]));
		rc = key ? conf_set_from(c, "--set", key, eq + 1)
			 : assay_fail(err, ASSAY_ENOMEM, "out of memory");
		if (rc < 0 && key)
			rc = assay_fail(err, rc, "--set: \"%s\" is not a valid key", key);
		free(key);
	}
	if (rc == 0)
		rc = conf_check_config(c, err);
	if (rc == 0)
		rc = score_config_from_conf(cfg, c, err);
	conf_free(c);
	return rc;
}

/* Each scorer's own time and rate (samples scored per second of it); the
 * rule scorers' shared work (reading, analysing, writing) on a line of
 * its own; a run that ended (whole) with nothing to do says so. */
static void summary(const score_run_result *r, const enum score_id *ids, size_t n, bool whole)
{
	printf("%-11s %9s %9s %7s %7s %8s %10s\n", "scorer", "scored", "flagged", "failed",
	       "cached", "seconds", "per second");
	bool rules = false, any = r->combined > 0;
	for (size_t i = 0; i < n; i++) {
		enum score_id k = ids[i];
		any |= r->scored[k] || r->failed[k];
		char rate[32] = "-";
		if (r->scored[k] && r->seconds[k] > 0)
			snprintf(rate, sizeof rate, "%.0f", (double)r->scored[k] / r->seconds[k]);
		printf("%-11s %9lld %9lld %7lld %7lld %8.2f %10s\n", score_defs[k].name,
		       (long long)r->scored[k], (long long)r->flagged[k], (long long)r->failed[k],
		       (long long)r->cached[k], r->seconds[k], rate);
		rules |= score_defs[k].kind == SCORE_KIND_TEXT && r->scored[k];
	}
	if (rules)
		printf("rule scorers' shared work (reading, analysing, writing): %.2f s\n",
		       r->shared_seconds);
	printf("combined scores written: %lld\n", (long long)r->combined);
	/* a table of zeros alone reads like a failure */
	if (!any && whole)
		printf("nothing to score: every score is current (`assay score --rescore` scores "
		       "them again)\n");
	fflush(stdout);
}

/* A remote scorer whose requests failed: every one (the endpoint is down,
 * refuses or errs on everything) or some. Either way the exit code is 69,
 * as for any endpoint that failed; the message tells which, and a run
 * again asks only for what failed (failures are never current). */
static int remote_failures(const score_run_result *r, const enum score_id *ids, size_t n)
{
	int code = 0;
	for (size_t i = 0; i < n; i++) {
		enum score_id k = ids[i];
		long long asked = (long long)(r->scored[k] - r->cached[k]);
		long long failed = (long long)r->failed[k];
		if (score_defs[k].kind != SCORE_KIND_REMOTE || failed == 0)
			continue;
		/* The stored reason says "NAME: failed: WHY"; the message names it once. */
		const char *why = r->failure[k];
		size_t len = strlen(score_defs[k].name);
		if (!strncmp(why, score_defs[k].name, len) && !strncmp(why + len, ": failed: ", 10))
			why += len + 10;
		if (failed >= asked)
			cli_errorf("%s: every request failed (%lld of %lld), no sample was scored: %s",
				   score_defs[k].name, failed, asked, why);
		else
			cli_errorf("%s: %lld of %lld requests failed (first: %s); run again to ask "
				   "for those samples again",
				   score_defs[k].name, failed, asked, why);
		code = EXIT_UNAVAIL;
	}
	return code;
}

/* The scoring after an import: its configuration, loaded before the
 * import begins. */
struct cli_import_scores {
	score_config cfg;
};

int cli_import_scores_new(cli_import_scores **out, assay_error *err)
{
	*out = NULL;
	cli_import_scores *x = calloc(1, sizeof *x);
	if (!x)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	score_config_init(&x->cfg);
	int rc = load_config(&x->cfg, NULL, NULL, 0, err);
	if (rc < 0) {
		cli_import_scores_free(x);
		return rc;
	}
	*out = x;
	return 0;
}

void cli_import_scores_free(cli_import_scores *x)
{
	if (!x)
		return;
	score_config_free(&x->cfg);
	free(x);
}

/* Another run holds the store (PostgreSQL): said once, then waited for. */
void cli_score_waiting(void *ud)
{
	(void)ud;
	cli_errorf("another score run is writing this database: waiting for it to end "
		   "(Ctrl-C stops)");
}

static int score_and_report(store *s, const score_config *cfg, const char *const *names,
			    size_t n_names, const int64_t *batches, size_t n_batches, bool rescore,
			    bool quiet, volatile sig_atomic_t *stop)
{
	score_ui ui;
	cli_progress_init(&ui.bar);
	score_run_options o = {.names = names,
			       .n_names = n_names,
			       .batch_ids = batches,
			       .n_batches = n_batches,
			       .rescore = rescore,
			       .cfg = cfg,
			       .progress = progress,
			       .ud = &ui,
			       .stop = stop};
	score_run_result res = {0};
	assay_error err = {0};
	int rc = store_score_lock(s, stop, cli_score_waiting, NULL, &err);
	if (rc == 0)
		rc = score_run(s, &o, &res, &err);
	cli_progress_done(&ui.bar);
	enum score_id ids[SCORE_COUNT];
	size_t n = 0;
	for (size_t i = 0; i < SCORE_COUNT; i++)
		if (names ? false : score_defs[i].builtin)
			ids[n++] = (enum score_id)i;
	for (size_t i = 0; names && i < n_names; i++) {
		const score_def *d = score_find(names[i]);
		if (d)
			ids[n++] = (enum score_id)(d - score_defs);
	}
	/* named, not one of the built-ins a plain run or an import runs */
	bool learned = false;
	for (size_t i = 0; names && i < n_names; i++)
		learned |= strcmp(names[i], score_defs[SCORE_LEARNED].name) == 0;
	if (!quiet && (rc == 0 || rc == ASSAY_EINTR))
		summary(&res, ids, n, rc == 0 && !(learned && res.no_model));
	if (rc == 0 && learned && res.no_model)
		cli_errorf("learned: no model yet, nothing scored: `assay learn` trains one on the "
			   "verdicts");
	if (rc == ASSAY_EINTR)
		cli_errorf("interrupted: the scores written so far are kept; run again to finish");
	else if (rc < 0)
		return cli_fail(&err);
	int failed = rc == 0 ? remote_failures(&res, ids, n) : 0;
	return failed ? failed : cli_exit_code(rc);
}

typedef struct score_args {
	const char *scorers;
	const char *batches[64];
	size_t n_batches;
	const char *field, *config;
	const char *sets[64];
	size_t n_sets;
	remote_flags rf;
	bool rescore, quiet;
} score_args;

/* --batch NAME, repeatable. */
static int add_batch(const cli_ctx *ctx, void *args, const char *value)
{
	score_args *a = args;
	if (a->n_batches == ASSAY_ARRAY_LEN(a->batches))
		return cli_usage_error(ctx, "--batch: at most 64 batches");
	a->batches[a->n_batches++] = value;
	return 0;
}

/* --set KEY=VALUE, repeatable. */
static int add_set(const cli_ctx *ctx, void *args, const char *value)
{
	score_args *a = args;
	if (a->n_sets == ASSAY_ARRAY_LEN(a->sets))
		return cli_usage_error(ctx, "--set: at most 64 keys");
	a->sets[a->n_sets++] = value;
	return 0;
}

/* --label-bad NAME: the label, and the value is 1 - its score. */
static int label_bad(const cli_ctx *ctx, void *args, const char *value)
{
	score_args *a = args;
	a->rf.label = value;
	a->rf.label_bad = true;
	return 0;
}

static const cli_opt score_rows[] = {
	CLI_STRING("scorer", 0, score_args, scorers, "NAMES",
		   "comma-separated scorers (default: the built-ins)"),
	CLI_CALL("batch", 0, "NAME", add_batch, "only the samples of this batch (repeatable)"),
	CLI_FLAG("rescore", 0, score_args, rescore, "score again what is current"),
	CLI_STRING("score-field", 0, score_args, field, "F[:MIN:MAX]",
		   "the field scorer's record field and range\n"
		   "(default range: the field's smallest and largest)"),
	CLI_STRING("config", 0, score_args, config, "FILE",
		   "the configuration file (default: $XDG_CONFIG_HOME/\n"
		   "assay/config, then ./assay.conf)"),
	CLI_CALL("set", 0, "KEY=VALUE", add_set,
		 "one configuration key, e.g. score.length.min_words=3\n"
		 "or weights.hedging=0.5 (repeatable)"),
	CLI_TEXT("Remote scorers (llm-judge, classifier); the API key is read from\n"
		 "$ASSAY_API_KEY, else $OPENAI_API_KEY, and never stored or shown:"),
	CLI_STRING("endpoint", 0, score_args, rf.endpoint, "URL",
		   "llm-judge: an OpenAI-compatible .../v1/chat/completions;\n"
		   "classifier: a text-embeddings-inference .../predict"),
	CLI_STRING("model", 0, score_args, rf.model, "NAME", "llm-judge: the model"),
	CLI_STRING("prompt", 0, score_args, rf.prompt, "FILE",
		   "llm-judge: the rubric, with {{text}} and {{meta.FIELD}}"),
	CLI_STRING("label", 0, score_args, rf.label, "NAME",
		   "classifier: the label whose score is the value"),
	CLI_CALL("label-bad", 0, "NAME", label_bad,
		 "classifier: the value is 1 - this label's score"),
	CLI_INT("concurrency", 0, score_args, rf.concurrency, "N", 1, 1024,
		"requests in flight (default 8)"),
	CLI_DOUBLE("timeout", 0, score_args, rf.timeout, "SECS", 0.001, 86400,
		   "per attempt (default 60)"),
	CLI_DOUBLE("connect-timeout", 0, score_args, rf.connect_timeout, "SECS", 0.001, 86400,
		   "to connect, per attempt (default 10)"),
	CLI_INT("retries", 0, score_args, rf.retries, "N", 0, 20,
		"retries after a failure or a 429/5xx (default 3)"),
	CLI_FLAG("insecure", 0, score_args, rf.insecure, "do not verify TLS certificates"),
	CLI_FLAG("no-response-format", 0, score_args, rf.no_format,
		 "do not ask the judge for a JSON object"),
	CLI_FLAG("quiet", 0, score_args, quiet, "no summary"),
	CLI_HELP(),
	CLI_END(),
};

const cli_opts cli_score_opts = {
	.head = "usage: assay score [OPTIONS]\n"
		"\n"
		"Scores every sample (1 = clean, 0 = worst) with the built-in scorers, or\n"
		"those named, and writes the combined score that orders the review\n"
		"queue. Scores that are current (same scorer version and settings) are\n"
		"skipped, so running it again costs little. A pair's candidate b is\n"
		"scored by the rule scorers too, beside candidate a (the sample).\n"
		"\n"
		"Scorers: length gopher repetition artifacts truncation charset hedging\n"
		"neardup task learned (the built-ins; learned once `assay learn` stored a\n"
		"model), field, llm-judge, classifier.\n"
		"\n",
	.rows = score_rows,
	.column = 24,
};

/* The scorers named in list; *n = 0 for the built-ins. */
static int split_names(cli_ctx *ctx, const char *list, const char **names, size_t *n)
{
	*n = 0;
	if (!list)
		return -1;
	enum score_id ids[SCORE_COUNT];
	size_t k;
	assay_error err = {0};
	if (score_parse_names(list, ids, &k, &err) < 0)
		return cli_usage_error(ctx, "%s", err.msg);
	for (size_t i = 0; i < k; i++)
		names[(*n)++] = score_defs[ids[i]].name;
	return -1;
}

int cmd_score(cli_ctx *ctx, int argc, char **argv)
{
	score_args a = {.rf.retries = -1};
	int code = cli_opts_parse(ctx, &cli_score_opts, argc, argv, &a, NULL);
	if (code)
		return code == CLI_OPTS_DONE ? 0 : code;
	const char *names[SCORE_COUNT];
	size_t n_names;
	if ((code = split_names(ctx, a.scorers, names, &n_names)) >= 0)
		return code;
	score_config cfg;
	score_config_init(&cfg);
	assay_error err = {0};
	int rc = load_config(&cfg, a.config, a.sets, a.n_sets, &err);
	if (rc == 0 && a.field)
		rc = score_config_field(&cfg, a.field, &err);
	if (rc == 0)
		rc = apply_remote(&cfg, &a.rf, &err);
	if (rc < 0) {
		score_config_free(&cfg);
		return cli_fail(&err);
	}
	store *s = NULL;
	if ((code = cli_open_store(ctx, &(store_options){.must_exist = true}, &s)) != 0) {
		score_config_free(&cfg);
		return code;
	}
	int64_t batch_ids[64];
	for (size_t i = 0; i < a.n_batches && code == 0; i++) {
		store_batch b;
		rc = store_batch_by_name(s, a.batches[i], &b, &err);
		if (rc == ASSAY_ENOTFOUND) /* named as stats and the others name it */
			assay_fail(&err, rc, "no batch named \"%s\"", a.batches[i]);
		if (rc < 0) {
			code = cli_fail(&err);
			break;
		}
		batch_ids[i] = b.id;
		store_batch_free(&b);
	}
	if (code == 0) {
		cli_catch_signals(on_signal);
		code = score_and_report(s, &cfg, a.scorers ? names : NULL, n_names,
					a.n_batches ? batch_ids : NULL, a.n_batches, a.rescore,
					a.quiet, &stop_flag);
	}
	store_close(s);
	score_config_free(&cfg);
	return code;
}

int cli_score_imported(store *s, cli_import_scores *x, const int64_t *batch_ids, size_t n,
		       bool quiet, volatile sig_atomic_t *stop)
{
	return score_and_report(s, &x->cfg, NULL, 0, batch_ids, n, false, quiet, stop);
}

int cli_score_edits(store *s)
{
	score_config cfg;
	score_config_init(&cfg);
	assay_error err = {0};
	int64_t n;
	int rc = load_config(&cfg, NULL, NULL, 0, &err);
	if (rc == 0)
		rc = score_edits_pending(s, &cfg, &n, &err);
	score_config_free(&cfg);
	return rc < 0 ? cli_fail(&err) : 0;
}
