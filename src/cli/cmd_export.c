/* cmd_export.c — `assay export`: the approved set, corrections applied, to
 * a file (atomically), stdout or an HTTP endpoint. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/export.h"
#include "assay/net.h"
#include "assay/score.h"
#include "cli.h"
#include "opt.h"

static const char export_head[] =
	"usage: assay export [OPTIONS]\n"
	"\n"
	"Writes the reviewed samples: each record exactly as imported, with the\n"
	"text replaced by the annotator's correction when it was edited. Files\n"
	"are written atomically (a temporary file renamed into place, keeping\n"
	"the mode and owner of the file replaced), so a failure never leaves a\n"
	"partial file behind; the files of --split appear together or not at\n"
	"all. A FIFO, a character device or a socket is written directly. The\n"
	"database and its -wal, -shm and -journal files are refused.\n"
	"\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static bool parse_statuses(const char *list, unsigned *out)
{
	*out = 0;
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ",");
		bool found = false;
		if (n == 3 && strncmp(p, "all", 3) == 0) {
			*out |= (1u << EXPORT_N_VERDICTS) - 1;
			found = true;
		}
		for (int v = 0; v < EXPORT_N_VERDICTS && !found; v++)
			if (strlen(export_verdict_name(v)) == n &&
			    strncmp(p, export_verdict_name(v), n) == 0) {
				*out |= 1u << v;
				found = true;
			}
		if (!found)
			return false;
		p += n + (p[n] == ',');
	}
	return *out != 0;
}

/* Splits "a,b,c" in place into a NULL-free array of pointers into s. */
static size_t split_list(char *s, const char **out, size_t cap)
{
	size_t n = 0;
	for (char *tok = strtok(s, ","); tok && n < cap; tok = strtok(NULL, ","))
		if (*tok)
			out[n++] = tok;
	return n;
}

/* The bounds of --min or --max, as the filter takes them. */
#define BOUNDS_MAX 32
typedef struct bounds {
	const char *opt; /* "--min" or "--max" */
	const char *names[BOUNDS_MAX];
	double values[BOUNDS_MAX];
	size_t n;
} bounds;

/* --min or --max SCORER=VALUE: VALUE a finite number (nan, inf or 1e400
 * would compare as nothing sensible). */
static int parse_bound(const cli_ctx *ctx, char *arg, bounds *b)
{
	char *eq = strrchr(arg, '=');
	char *end = NULL;
	errno = 0;
	double v = eq ? strtod(eq + 1, &end) : 0;
	if (!eq || eq == arg || !end || *end || end == eq + 1)
		return cli_usage_error(ctx, "%s: expected SCORER=VALUE, got \"%s\"", b->opt, arg);
	if (errno == ERANGE || !isfinite(v))
		return cli_usage_error(ctx, "%s: expected a finite number after '=', got \"%s\"",
				       b->opt, eq + 1);
	if (b->n == BOUNDS_MAX)
		return cli_usage_error(ctx, "%s: at most %d", b->opt, BOUNDS_MAX);
	*eq = '\0';
	b->names[b->n] = arg;
	b->values[b->n++] = v;
	return 0;
}

/* Every --min and --max scorer must be one assay knows: the combined
 * score, a built-in scorer, or one with scores in this database (a
 * misspelt name would otherwise keep no sample at all, silently). */
static int check_scorers(const cli_ctx *ctx, store *s, const bounds *b)
{
	char **db = NULL;
	size_t n_db = 0;
	bool listed = false;
	int code = 0;
	for (size_t i = 0; i < b->n && !code; i++) {
		const char *name = b->names[i];
		if (strcmp(name, "quality") == 0 || score_find(name))
			continue;
		assay_error err = {0};
		if (!listed && store_scorer_names(s, &db, &n_db, &err) < 0)
			return cli_fail(&err);
		listed = true;
		bool found = false;
		for (size_t k = 0; k < n_db && !found; k++)
			found = strcmp(db[k], name) == 0;
		if (found)
			continue;
		abuf known = {0};
		abuf_puts(&known, "quality");
		for (size_t k = 0; k < SCORE_COUNT; k++)
			abuf_printf(&known, ", %s", score_defs[k].name);
		for (size_t k = 0; k < n_db; k++)
			if (!score_find(db[k]) && strcmp(db[k], "quality"))
				abuf_printf(&known, ", %s", db[k]);
		code = cli_usage_error(ctx, "%s: no scorer named \"%s\"; known: %s", b->opt, name,
				       known.data ? known.data : "quality");
		abuf_free(&known);
	}
	store_strings_free(db, n_db);
	return code;
}

/* --batch and --annotator must name a batch and an annotator the database
 * knows, as for stats: a misspelt name would export nothing at all, over
 * the file that was there. Checked before the output is opened. */
static int check_names(store *s, const store_export_filter *f)
{
	assay_error err = {0};
	int rc = ASSAY_OK;
	if (f->batch) {
		store_batch b = {0};
		rc = store_batch_by_name(s, f->batch, &b, &err);
		if (rc == ASSAY_OK)
			store_batch_free(&b);
		else if (rc == ASSAY_ENOTFOUND)
			assay_fail(&err, rc, "no batch named \"%s\"", f->batch);
	}
	int64_t who = 0;
	if (rc == ASSAY_OK && f->annotator &&
	    (rc = store_annotator_find(s, f->annotator, &who, &err)) == ASSAY_OK && !who)
		rc = assay_fail(&err, ASSAY_ENOTFOUND, "no annotator named \"%s\"", f->annotator);
	return rc < 0 ? cli_fail(&err) : 0;
}

static void progress(void *ud, int64_t done, int64_t total)
{
	cli_progress_update(ud, done, total, "samples", NULL, false);
}

/* --format dpo: pairs, their preferences and what was left out. */
static void print_pairs(const export_options *o, const export_summary *sum)
{
	fprintf(stderr, "exported %lld pairs (a %lld, b %lld", (long long)sum->exported,
		(long long)sum->by_pref[STORE_PREF_A], (long long)sum->by_pref[STORE_PREF_B]);
	if (o->pair_extra)
		fprintf(stderr, ", tie %lld, both-bad %lld", (long long)sum->by_pref[STORE_PREF_TIE],
			(long long)sum->by_pref[STORE_PREF_BOTH_BAD]);
	fprintf(stderr, "; %lld reverse the record's chosen) of %lld looked at", (long long)sum->flipped,
		(long long)sum->seen);
	if (strcmp(o->output, "-") != 0 && !o->url && !o->n_splits) {
		fputs(" to ", stderr);
		cli_put_safe(stderr, o->output);
	}
	fprintf(stderr, "\nleft out: %lld undecided, %lld where annotators disagree (resolve %s)",
		(long long)sum->pair_undecided, (long long)sum->pair_conflict,
		export_rule_name(o->rule));
	int64_t ties = sum->left_pref[STORE_PREF_TIE], bad = sum->left_pref[STORE_PREF_BOTH_BAD];
	if (ties || bad)
		fprintf(stderr, ", %lld tie%s and %lld both bad (--with tie,both-bad adds them)",
			(long long)ties, ties == 1 ? "" : "s", (long long)bad);
	fputc('\n', stderr);
}

static void print_summary(const export_options *o, const export_summary *sum, const char *where)
{
	if (o->format == EXPORT_DPO) {
		print_pairs(o, sum);
		return;
	}
	fprintf(stderr, "exported %lld samples (", (long long)sum->exported);
	const char *sep = "";
	for (int v = 0; v < EXPORT_N_VERDICTS; v++)
		if (sum->by_verdict[v]) {
			fprintf(stderr, "%s%s %lld", sep, export_verdict_name(v),
				(long long)sum->by_verdict[v]);
			sep = ", ";
		}
	fprintf(stderr, "%s) of %lld looked at", *sep ? "" : "none", (long long)sum->seen);
	/* names and paths are the user's, but may come from file names:
	 * printed through the sanitizer like every other name */
	if (o->url) {
		fputs(" to ", stderr);
		cli_put_safe(stderr, o->url);
		fprintf(stderr, " (HTTP %ld)", sum->http_status);
	} else if (strcmp(o->output, "-") != 0 && !o->n_splits) {
		fputs(" to ", stderr);
		cli_put_safe(stderr, o->output);
	}
	fputc('\n', stderr);
	for (size_t i = 0; i < o->n_splits; i++) {
		fputs("  ", stderr);
		cli_put_safe(stderr, o->splits[i].name);
		size_t w = strlen(o->splits[i].name);
		fprintf(stderr, "%*s %8lld  ", w < 8 ? (int)(8 - w) : 0, "",
			(long long)sum->per_split[i]);
		cli_put_safe(stderr, sum->paths[i]);
		fputc('\n', stderr);
	}
	fprintf(stderr, "filters: status");
	for (int v = 0; v < EXPORT_N_VERDICTS; v++)
		if (o->statuses & (1u << v))
			fprintf(stderr, " %s", export_verdict_name(v));
	fprintf(stderr, "; resolve %s", export_rule_name(o->rule));
	if (o->filter.batch) {
		fputs("; batch ", stderr);
		cli_put_safe(stderr, o->filter.batch);
	}
	if (o->filter.annotator) {
		fputs("; annotator ", stderr);
		cli_put_safe(stderr, o->filter.annotator);
	}
	for (size_t i = 0; i < o->filter.n_min; i++) {
		fputs("; ", stderr);
		cli_put_safe(stderr, o->filter.min_scorer[i]);
		fprintf(stderr, " >= %g", o->filter.min_value[i]);
	}
	for (size_t i = 0; i < o->filter.n_max; i++) {
		fputs("; ", stderr);
		cli_put_safe(stderr, o->filter.max_scorer[i]);
		fprintf(stderr, " <= %g", o->filter.max_value[i]);
	}
	if (where) {
		fputs("; where ", stderr);
		cli_put_safe(stderr, where);
	}
	if (o->n_splits)
		fprintf(stderr, "; split seed %llu", (unsigned long long)o->seed);
	fputc('\n', stderr);
}

/* What the command line asked for. */
typedef struct args {
	export_options o;
	bounds min, max;
	cli_where where;
	const char *fields[256];
	char *fields_buf;
	net_options net;
} args;

static void args_free(args *a)
{
	free(a->fields_buf);
	cli_where_free(&a->where);
}

/* The options that choose the samples. */
static int status_option(const cli_ctx *ctx, void *ud, const char *value)
{
	args *a = ud;
	if (!parse_statuses(value, &a->o.statuses))
		return cli_usage_error(ctx, "--status: expected a list of accepted, edited, "
					    "rejected, undecided, conflict or all; got \"%s\"",
				       value);
	return 0;
}

static int resolve_option(const cli_ctx *ctx, void *ud, const char *value)
{
	args *a = ud;
	if (export_rule_parse(value, &a->o.rule) < 0)
		return cli_usage_error(ctx, "--resolve: expected unanimous, majority, "
					    "any-reject or lead, got \"%s\"", value);
	return 0;
}

/* --min and --max split their value in place: it is argv's own text. */
static int min_option(const cli_ctx *ctx, void *ud, const char *value)
{
	return parse_bound(ctx, (char *)value, &((args *)ud)->min);
}

static int max_option(const cli_ctx *ctx, void *ud, const char *value)
{
	return parse_bound(ctx, (char *)value, &((args *)ud)->max);
}

/* --with tie,both-bad: the pairs dpo also exports. */
static int with_option(const cli_ctx *ctx, void *ud, const char *list)
{
	unsigned *out = &((args *)ud)->o.pair_extra;
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		if (n == 3 && !strncmp(p, "tie", 3))
			*out |= 1u << STORE_PREF_TIE;
		else if (n == 8 && !strncmp(p, "both-bad", 8))
			*out |= 1u << STORE_PREF_BOTH_BAD;
		else
			return cli_usage_error(ctx, "--with: expected tie, both-bad or both, got \"%s\"",
					       list);
		p += n + (p[n] == ',');
	}
	return *out ? 0 : cli_usage_error(ctx, "--with: expected tie, both-bad or both");
}

/* The options that shape the output. */
static int format_option(const cli_ctx *ctx, void *ud, const char *value)
{
	static const struct {
		const char *name;
		enum export_format format;
	} formats[] = {
		{"jsonl", EXPORT_JSONL}, {"json", EXPORT_JSON}, {"csv", EXPORT_CSV}, {"dpo", EXPORT_DPO}};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(formats); i++)
		if (strcmp(value, formats[i].name) == 0) {
			((args *)ud)->o.format = formats[i].format;
			return 0;
		}
	return cli_usage_error(ctx, "--format: expected jsonl, json, csv or dpo, got \"%s\"",
			       value);
}

static int fields_option(const cli_ctx *ctx, void *ud, const char *value)
{
	args *a = ud;
	export_options *o = &a->o;
	free(a->fields_buf);
	a->fields_buf = assay_strdup(value);
	o->n_fields =
	    a->fields_buf ? split_list(a->fields_buf, a->fields, ASSAY_ARRAY_LEN(a->fields)) : 0;
	if (!o->n_fields)
		return cli_usage_error(ctx, "--fields: expected a comma-separated list");
	o->fields = a->fields;
	return 0;
}

static int split_option(const cli_ctx *ctx, void *ud, const char *value)
{
	export_options *o = &((args *)ud)->o;
	assay_error err = {0};
	if (export_split_parse(value, o->splits, ASSAY_ARRAY_LEN(o->splits), &o->n_splits, &err) <
	    0)
		return cli_usage_error(ctx, "%s", err.msg);
	return 0;
}

static int seed_option(const cli_ctx *ctx, void *ud, const char *value)
{
	char *end;
	((args *)ud)->o.seed = strtoull(value, &end, 10);
	if (!*value || *end || *value == '-')
		return cli_usage_error(ctx, "--seed: expected a non-negative integer");
	return 0;
}

/* The options that say where it goes. */
static int to_option(const cli_ctx *ctx, void *ud, const char *value)
{
	if (strncmp(value, "http://", 7) && strncmp(value, "https://", 8))
		return cli_usage_error(ctx, "--to: expected an http(s) URL, got \"%s\"", value);
	((args *)ud)->o.url = value;
	return 0;
}

static int method_option(const cli_ctx *ctx, void *ud, const char *value)
{
	if (strcmp(value, "PUT") && strcmp(value, "POST"))
		return cli_usage_error(ctx, "--method: expected PUT or POST");
	((args *)ud)->o.method = value;
	return 0;
}

static const cli_opt export_rows[] = {
	CLI_STRING("output", 'o', args, o.output, "FILE",
		   "where to write (default: - for standard output)"),
	CLI_CALL("format", 0, "FMT", format_option,
		 "jsonl (default), json (one array), csv (a column per\n"
		 "key of the records exported; values as written), or\n"
		 "dpo: one {\"prompt\", \"chosen\", \"rejected\"} line per\n"
		 "pair with a preference (messages for chat pairs, as\n"
		 "TRL reads them), whatever --status says; the chosen\n"
		 "one corrected when it was edited, the models following\n"
		 "their candidates, the record's other fields as they\n"
		 "are; annotators who disagree leave the pair out\n"
		 "(--resolve majority: a preference of more than half)"),
	CLI_CALL("with", 0, "tie,both-bad", with_option,
		 "with dpo: also those pairs, as {\"prompt\", \"a\", \"b\",\n"
		 "\"preference\"}"),
	CLI_CALL("status", 0, "LIST", status_option,
		 "which outcomes: accepted,edited (default), rejected,\n"
		 "undecided, conflict, or all"),
	CLI_CALL("resolve", 0, "RULE", resolve_option,
		 "several annotators: unanimous (default), majority,\n"
		 "any-reject, or lead (only adjudicated or single\n"
		 "verdicts); a lead's adjudication always wins"),
	CLI_STRING("batch", 0, args, o.filter.batch, "NAME", "only this batch"),
	CLI_STRING("annotator", 0, args, o.filter.annotator, "NAME",
		   "only this annotator's verdicts"),
	CLI_CALL("min", 0, "SCORER=VALUE", min_option,
		 "only samples scoring at least VALUE (repeatable;\n"
		 "'quality' is the combined score)"),
	CLI_CALL("max", 0, "SCORER=VALUE", max_option,
		 "only samples scoring at most VALUE (repeatable)"),
	CLI_WHERE(args, where,
		  "only the samples of a slice, e.g.\n"
		  "'flagged(repetition) and meta.model = \"llava\"'\n"
		  "(the language of review, decide and stats)"),
	CLI_CALL("fields", 0, "A,B,...", fields_option,
		 "only these fields of each record (dotted paths)"),
	CLI_FLAG("provenance", 0, args, o.provenance,
		 "add an \"_assay\" object: verdict, annotators,\n"
		 "reasons, notes, scores, original text, batch"),
	CLI_FLAG("csv-raw", 0, args, o.csv_raw,
		 "CSV cells as their exact bytes (by default control\n"
		 "characters are shown as ^[ or <U+009B> and a text\n"
		 "cell starting with = + - @ TAB or CR gets a ')"),
	CLI_CALL("split", 0, "N=S,...", split_option,
		 "e.g. train=0.9,val=0.1: FILE.train.jsonl, ... by a\n"
		 "stable hash of the sample id and --seed"),
	CLI_CALL("seed", 0, "N", seed_option, "seed for --split (default 0)"),
	CLI_CALL("to", 0, "URL", to_option,
		 "send as the body of an HTTP PUT instead (bearer token\n"
		 "from $ASSAY_EXPORT_TOKEN); --method POST to POST"),
	CLI_CALL("method", 0, "M", method_option, "PUT (default) or POST, with --to"),
	CLI_FLAG("insecure", 0, args, net.insecure, "with --to: do not verify TLS certificates"),
	CLI_HELP(),
	CLI_END(),
};

const cli_opts cli_export_opts = {
	.head = export_head,
	.rows = export_rows,
	.foot_fn = cli_where_help,
	.column = 22,
	.max_operands = 0,
};

/* What goes together and what does not; 0 or the exit code. */
static int check_args(const cli_ctx *ctx, args *a)
{
	a->o.filter.min_scorer = a->min.names;
	a->o.filter.min_value = a->min.values;
	a->o.filter.n_min = a->min.n;
	a->o.filter.max_scorer = a->max.names;
	a->o.filter.max_value = a->max.values;
	a->o.filter.n_max = a->max.n;
	a->o.filter.where = cli_where_get(&a->where);
	if (a->o.n_splits && (a->o.url || strcmp(a->o.output, "-") == 0))
		return cli_usage_error(ctx, "--split writes one file per split: give -o FILE");
	if (a->o.url && strcmp(a->o.output, "-") != 0)
		return cli_usage_error(ctx, "give either -o FILE or --to URL, not both");
	if (a->o.pair_extra && a->o.format != EXPORT_DPO)
		return cli_usage_error(ctx, "--with goes with --format dpo");
	if (a->o.format == EXPORT_DPO && (a->o.n_fields || a->o.csv_raw || a->min.n || a->max.n ||
					  a->o.filter.where))
		return cli_usage_error(ctx, "--format dpo writes whole pairs: it goes without "
					    "--fields, --csv-raw, --min, --max and --where");
	return 0;
}

/* The reader of a stream written (a pipe: `assay export | head`) went
 * away: the export ends as a writer into a pipe does in a shell, silently,
 * killed by SIGPIPE (status 141), as every other command of assay (which
 * leave SIGPIPE as it is), cat or grep. Ignored while writing, so that a
 * file of the export is removed first, never left half written; where
 * SIGPIPE was ignored when assay started, exit 141 alike. */
static int end_by_sigpipe(void (*was)(int))
{
	signal(SIGPIPE, was == SIG_IGN ? SIG_IGN : SIG_DFL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(SIGPIPE);
	return 128 + SIGPIPE;
}

/* The export itself, on a read-only connection. */
static int run(cli_ctx *ctx, args *a)
{
	export_options *o = &a->o;
	o->token = getenv("ASSAY_EXPORT_TOKEN");
	if (o->token && !*o->token)
		o->token = NULL;
	o->net = &a->net;
	store *s = NULL;
	store_options so = {.readonly = true};
	int code;
	if ((code = cli_open_store(ctx, &so, &s)) || (code = check_names(s, &o->filter)) ||
	    (code = check_scorers(ctx, s, &a->min)) || (code = check_scorers(ctx, s, &a->max))) {
		store_close(s);
		return code;
	}
	cli_progress bar;
	cli_progress_init(&bar);
	if (strcmp(o->output, "-") == 0 && !o->url)
		bar.enabled = false; /* stdout may be the terminal: keep it clean */
	/* without a bar nothing needs the estimate (a --where's second pass) */
	o->progress = bar.enabled ? progress : NULL;
	o->ud = &bar;
	o->stop = &stop_flag;
	cli_catch_signals(on_signal);
	void (*was)(int) = signal(SIGPIPE, SIG_IGN);
	export_summary sum;
	assay_error err = {0};
	int rc = export_run(s, o, &sum, &err);
	cli_progress_done(&bar);
	if (rc < 0 && sum.reader_gone) {
		store_close(s);
		return end_by_sigpipe(was);
	}
	if (rc < 0)
		code = cli_fail(&err);
	else
		print_summary(o, &sum, a->where.text);
	store_close(s);
	return code;
}

int cmd_export(cli_ctx *ctx, int argc, char **argv)
{
	args a = {.o = {.output = "-", .format = EXPORT_JSONL, .rule = EXPORT_UNANIMOUS,
			.statuses = (1u << EXPORT_ACCEPTED) | (1u << EXPORT_EDITED)},
		  .min = {.opt = "--min"},
		  .max = {.opt = "--max"}};
	int code = cli_opts_parse(ctx, &cli_export_opts, argc, argv, &a, NULL);
	if (!code)
		code = check_args(ctx, &a);
	if (!code)
		code = run(ctx, &a);
	args_free(&a);
	return code == CLI_OPTS_DONE ? 0 : code;
}
