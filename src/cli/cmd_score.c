/* cmd_score.c — `assay score`: run the built-in and remote scorers over the
 * database, skipping what is current, and print what was flagged. Also the
 * scoring that `assay import` runs after an import. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/conf.h"
#include "assay/score.h"
#include "cli.h"

static const char help[] =
    "usage: assay score [OPTIONS]\n"
    "\n"
    "Scores every sample (1 = clean, 0 = worst) with the built-in scorers, or\n"
    "those named, and writes the combined score that orders the review\n"
    "queue. Scores that are current (same scorer version and settings) are\n"
    "skipped, so running it again costs little.\n"
    "\n"
    "Scorers: length gopher repetition artifacts truncation charset hedging\n"
    "neardup (the built-ins), field, llm-judge, classifier.\n"
    "\n"
    "Options:\n"
    "  --scorer NAMES        comma-separated scorers (default: the built-ins)\n"
    "  --batch NAME          only the samples of this batch (repeatable)\n"
    "  --rescore             score again what is current\n"
    "  --score-field F[:MIN:MAX]  the field scorer's record field and range\n"
    "                        (default range: the field's smallest and largest)\n"
    "  --config FILE         the configuration file (default: $XDG_CONFIG_HOME/\n"
    "                        assay/config, then ./assay.conf)\n"
    "  --set KEY=VALUE       one configuration key, e.g. score.length.min_words=3\n"
    "                        or weights.hedging=0.5 (repeatable)\n"
    "Remote scorers (llm-judge, classifier); the API key is read from\n"
    "$ASSAY_API_KEY, else $OPENAI_API_KEY, and never stored or shown:\n"
    "  --endpoint URL        llm-judge: an OpenAI-compatible .../v1/chat/completions;\n"
    "                        classifier: a text-embeddings-inference .../predict\n"
    "  --model NAME          llm-judge: the model\n"
    "  --prompt FILE         llm-judge: the rubric, with {{text}} and {{meta.FIELD}}\n"
    "  --label NAME          classifier: the label whose score is the value\n"
    "  --label-bad NAME      classifier: the value is 1 - this label's score\n"
    "  --concurrency N       requests in flight (default 8)\n"
    "  --timeout SECS        per attempt (default 60); --connect-timeout SECS (10)\n"
    "  --retries N           retries after a failure or a 429/5xx (default 3)\n"
    "  --insecure            do not verify TLS certificates\n"
    "  --no-response-format  do not ask the judge for a JSON object\n"
    "  --quiet               no summary\n"
    "  -h, --help            this help\n";

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

static int load_config(score_config *cfg, const char *path, char **sets, size_t n_sets,
		       assay_error *err)
{
	conf *c = conf_new();
	if (!c)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	int rc = conf_load_default(c, path, err);
	for (size_t i = 0; i < n_sets && rc == 0; i++) {
		char *eq = strchr(sets[i], '=');
		if (!eq) {
			rc = assay_fail(err, ASSAY_EINVAL, "--set: expected KEY=VALUE, got \"%s\"",
					sets[i]);
			break;
		}
		*eq = '\0';
		rc = conf_set(c, sets[i], eq + 1);
		if (rc < 0)
			rc = assay_fail(err, rc, "--set: \"%s\" is not a valid key", sets[i]);
		*eq = '=';
	}
	if (rc == 0)
		rc = score_config_from_conf(cfg, c, err);
	conf_free(c);
	return rc;
}

static void summary(const score_run_result *r, const enum score_id *ids, size_t n)
{
	printf("%-11s %9s %9s %7s %7s %8s\n", "scorer", "scored", "flagged", "failed", "cached",
	       "seconds");
	for (size_t i = 0; i < n; i++) {
		enum score_id k = ids[i];
		printf("%-11s %9lld %9lld %7lld %7lld %8.2f\n", score_defs[k].name,
		       (long long)r->scored[k], (long long)r->flagged[k], (long long)r->failed[k],
		       (long long)r->cached[k], r->seconds[k]);
	}
	printf("combined scores written: %lld\n", (long long)r->combined);
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
	score_run_result res;
	assay_error err = {0};
	int rc = score_run(s, &o, &res, &err);
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
	if (!quiet && (rc == 0 || rc == ASSAY_EINTR))
		summary(&res, ids, n);
	if (rc == ASSAY_EINTR)
		cli_errorf("interrupted: the scores written so far are kept; run again to finish");
	else if (rc < 0)
		return cli_fail(&err);
	int failed = rc == 0 ? remote_failures(&res, ids, n) : 0;
	return failed ? failed : cli_exit_code(rc);
}

enum {
	OPT_SCORER = 256,
	OPT_BATCH,
	OPT_RESCORE,
	OPT_FIELD,
	OPT_CONFIG,
	OPT_SET,
	OPT_ENDPOINT,
	OPT_MODEL,
	OPT_PROMPT,
	OPT_LABEL,
	OPT_LABEL_BAD,
	OPT_CONC,
	OPT_TIMEOUT,
	OPT_CTIMEOUT,
	OPT_RETRIES,
	OPT_INSECURE,
	OPT_NOFORMAT,
	OPT_QUIET,
};

static const struct option longopts[] = {
    {"scorer", required_argument, NULL, OPT_SCORER},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"rescore", no_argument, NULL, OPT_RESCORE},
    {"score-field", required_argument, NULL, OPT_FIELD},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"set", required_argument, NULL, OPT_SET},
    {"endpoint", required_argument, NULL, OPT_ENDPOINT},
    {"model", required_argument, NULL, OPT_MODEL},
    {"prompt", required_argument, NULL, OPT_PROMPT},
    {"label", required_argument, NULL, OPT_LABEL},
    {"label-bad", required_argument, NULL, OPT_LABEL_BAD},
    {"concurrency", required_argument, NULL, OPT_CONC},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"connect-timeout", required_argument, NULL, OPT_CTIMEOUT},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"no-response-format", no_argument, NULL, OPT_NOFORMAT},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, 'h'},
    {0},
};

typedef struct score_args {
	char *scorers;
	const char *batches[64];
	size_t n_batches;
	const char *field, *config;
	char *sets[64];
	size_t n_sets;
	remote_flags rf;
	bool rescore, quiet;
} score_args;

static bool parse_secs(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || !(v > 0) || v > 86400)
		return false;
	*out = v;
	return true;
}

/* Returns -1 to go on, else the exit code. */
static int parse_args(cli_ctx *ctx, int argc, char **argv, score_args *a)
{
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SCORER:
			a->scorers = optarg;
			break;
		case OPT_BATCH:
			if (a->n_batches == ASSAY_ARRAY_LEN(a->batches))
				return cli_usage_error(ctx, "--batch: at most 64 batches");
			a->batches[a->n_batches++] = optarg;
			break;
		case OPT_RESCORE:
			a->rescore = true;
			break;
		case OPT_FIELD:
			a->field = optarg;
			break;
		case OPT_CONFIG:
			a->config = optarg;
			break;
		case OPT_SET:
			if (a->n_sets == ASSAY_ARRAY_LEN(a->sets))
				return cli_usage_error(ctx, "--set: at most 64 keys");
			a->sets[a->n_sets++] = optarg;
			break;
		case OPT_ENDPOINT:
			a->rf.endpoint = optarg;
			break;
		case OPT_MODEL:
			a->rf.model = optarg;
			break;
		case OPT_PROMPT:
			a->rf.prompt = optarg;
			break;
		case OPT_LABEL:
			a->rf.label = optarg;
			break;
		case OPT_LABEL_BAD:
			a->rf.label = optarg;
			a->rf.label_bad = true;
			break;
		case OPT_CONC:
			if (!cli_parse_long(optarg, 1, 1024, &a->rf.concurrency))
				return cli_usage_error(
				    ctx, "--concurrency: expected 1 to 1024, got \"%s\"", optarg);
			break;
		case OPT_RETRIES:
			if (!cli_parse_long(optarg, 0, 20, &a->rf.retries))
				return cli_usage_error(
				    ctx, "--retries: expected 0 to 20, got \"%s\"", optarg);
			break;
		case OPT_TIMEOUT:
		case OPT_CTIMEOUT:
			if (!parse_secs(optarg,
					c == OPT_TIMEOUT ? &a->rf.timeout : &a->rf.connect_timeout))
				return cli_usage_error(
				    ctx, "--%s: expected seconds, got \"%s\"",
				    c == OPT_TIMEOUT ? "timeout" : "connect-timeout", optarg);
			break;
		case OPT_INSECURE:
			a->rf.insecure = true;
			break;
		case OPT_NOFORMAT:
			a->rf.no_format = true;
			break;
		case OPT_QUIET:
			a->quiet = true;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(ctx, "unexpected argument \"%s\"", argv[optind]);
	return -1;
}

/* The named scorers, split in place; *n = 0 for the built-ins. */
static int split_names(cli_ctx *ctx, char *list, const char **names, size_t *n)
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
	int code = parse_args(ctx, argc, argv, &a);
	if (code >= 0)
		return code;
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
		if (store_batch_by_name(s, a.batches[i], &b, &err) < 0) {
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

int cli_score_imported(store *s, const int64_t *batch_ids, size_t n, bool quiet,
		       volatile sig_atomic_t *stop)
{
	score_config cfg;
	score_config_init(&cfg);
	assay_error err = {0};
	if (load_config(&cfg, NULL, NULL, 0, &err) < 0) {
		score_config_free(&cfg);
		return cli_fail(&err);
	}
	int code = score_and_report(s, &cfg, NULL, 0, batch_ids, n, false, quiet, stop);
	score_config_free(&cfg);
	return code;
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
