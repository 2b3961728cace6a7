/* cmd_decide.c — `assay decide`: the review screen's decisions from a
 * script, one at a time or in bulk from JSONL, through the same store
 * transaction the screen uses. */
#include <errno.h>
#include <math.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assay/ingest.h"
#include "assay/limits.h"
#include "cli.h"
#include "decide_auto.h"
#include "decide_slice.h"
#include "opt.h"

static const char decide_head[] =
	"usage: assay decide [OPTIONS] ID accept|edit|reject|skip|note\n"
	"       assay decide [OPTIONS] ID prefer a|b|tie|both-bad [--reason R] [--text T]\n"
	"       assay decide [OPTIONS] --from FILE.jsonl\n"
	"       assay decide [OPTIONS] --undo [--all]\n"
	"       assay decide --auto --precision P [--dry-run] [--reason R]\n"
	"       assay decide --where EXPR accept|reject [--reason R] [--dry-run] [--yes]\n"
	"                    [--sample N [--seed S] [--max-disagree RATE]]\n"
	"       assay decide --where EXPR prefer a|b|tie|both-bad [--reason R] [--dry-run]\n"
	"                    [--yes]\n"
	"       assay decide --undo --where EXPR [--dry-run]\n"
	"\n"
	"Records a decision on the sample with external id ID, exactly as the\n"
	"review screen does (the event and the verdict in one transaction).\n"
	"A pair of candidates (import --pair) is decided with prefer:\n"
	"a and b name the candidates as imported (the first and second\n"
	"of import --pair), tie says neither is better, both-bad that\n"
	"neither is good; with a or b, --text T is the chosen one corrected.\n"
	"\n";

/* "prefer": the verdict follows from the preference (pref_kind). */
#define KIND_PREFER (-2)

static const struct {
	const char *name;
	int kind;
} kinds[] = {
	{"accept", STORE_ACCEPT}, {"accepted", STORE_ACCEPT}, {"edit", STORE_EDIT},
	{"edited", STORE_EDIT},   {"reject", STORE_REJECT},   {"rejected", STORE_REJECT},
	{"skip", STORE_SKIP},     {"skipped", STORE_SKIP},    {"note", STORE_NOTE},
	{"prefer", KIND_PREFER},
};

static int kind_parse(const char *s)
{
	for (size_t i = 0; s && i < ASSAY_ARRAY_LEN(kinds); i++)
		if (strcmp(kinds[i].name, s) == 0)
			return kinds[i].kind;
	return -1;
}

typedef struct one {
	const char *id, *batch, *annotator, *reason, *text;
	int kind;
	int pref; /* enum store_pref */
	bool adjudicate;
} one;

/* The verdict a preference is recorded as (a corrected chosen one is an
 * edit, both-bad a rejection). */
static int pref_kind(int pref, bool text)
{
	return pref == STORE_PREF_BOTH_BAD ? STORE_REJECT : text ? STORE_EDIT : STORE_ACCEPT;
}

/* A lead's adjudication, refused while another lead (review --conflicts)
 * or annotator has the sample on screen: err names who, until when. Not
 * waited for: a lease is renewed for as long as the sample stays on that
 * screen, so the wait would have no bound. */
static int adjudicate_one(store *s, const one *d, const store_decision_in *in,
			  int64_t *event_id, assay_error *err)
{
	store_lease_holder held;
	int rc = store_adjudicate_unheld(s, in, event_id, &held, err);
	if (rc == ASSAY_ECONFLICT && held.name) {
		time_t t = (time_t)(held.until / 1000);
		struct tm tm;
		char until[32];
		gmtime_r(&t, &tm);
		strftime(until, sizeof until, "%Y-%m-%d %H:%M:%SZ", &tm);
		int64_t left = (held.until - held.now + 999) / 1000;
		assay_fail(err, ASSAY_ECONFLICT,
			   "%s is on %s's screen, leased until %s (%lld min %lld s from now, "
			   "renewed while it stays there): not adjudicated; try again once they "
			   "have moved on",
			   d->id, held.name, until, (long long)(left / 60), (long long)(left % 60));
	}
	free(held.name);
	return rc;
}

/* The sample of the external id; a record dropped at import as an exact
 * duplicate is named as such (its decision is not moved to the sample it
 * duplicates: the caller decides that). */
static int find_sample(store *s, const one *d, store_sample *smp, assay_error *err)
{
	int rc = store_sample_by_ext_id(s, d->id, d->batch, smp, err);
	if (rc != ASSAY_ENOTFOUND)
		return rc;
	store_duplicate dup;
	bool found;
	assay_error e2 = {0};
	if (store_duplicate_find(s, d->id, d->batch, &dup, &found, &e2) < 0 || !found)
		return rc; /* the plain "no sample" says enough */
	bool same = strcmp(dup.batch_name, dup.kept_batch) == 0;
	rc = assay_fail(err, ASSAY_ENOTFOUND,
			"no sample with id \"%.200s\": that record (batch %.200s, line %lld) was "
			"dropped at import as an exact duplicate of %.200s (%s%.200s); nothing "
			"recorded: decide %.200s if the decision is meant for it",
			d->id, dup.batch_name, (long long)dup.line, dup.kept_ext_id,
			same ? "the same batch" : "batch ", same ? "" : dup.kept_batch,
			dup.kept_ext_id);
	store_duplicate_free(&dup);
	return rc;
}

/* Records one decision; err says what was wrong. */
static int decide_one(store *s, const one *d, assay_error *err)
{
	int64_t annotator;
	store_sample smp;
	int rc = store_annotator_ensure(s, d->annotator, &annotator, err);
	if (rc < 0)
		return rc;
	if ((rc = find_sample(s, d, &smp, err)) < 0)
		return rc;
	store_decision_in in = {
		.sample_id = smp.id,
		.annotator_id = annotator,
		.kind = d->kind,
		.text = d->text,
		.reason = d->reason,
		.session = "decide",
		.pref = d->pref,
	};
	if (d->pref)
		in.kind = pref_kind(d->pref, d->text != NULL);
	int64_t event_id;
	rc = d->adjudicate ? adjudicate_one(s, d, &in, &event_id, err)
			   : store_decide(s, &in, &event_id, err);
	store_sample_free(&smp);
	return rc;
}

/* Reads one line into line (without its end), at most max bytes: a longer
 * one is consumed and *too_long set. Returns false at the end of input. */
static bool read_line(FILE *f, abuf *line, size_t max, bool *too_long)
{
	char buf[65536];
	abuf_reset(line);
	*too_long = false;
	bool any = false;
	while (fgets(buf, sizeof buf, f)) {
		any = true;
		size_t n = strlen(buf);
		bool end = n && buf[n - 1] == '\n';
		if (!*too_long && line->len + n > max + 2)
			*too_long = true;
		if (!*too_long && abuf_append(line, buf, n) < 0)
			*too_long = true;
		if (end)
			break;
	}
	while (line->len && (line->data[line->len - 1] == '\n' || line->data[line->len - 1] == '\r'))
		line->data[--line->len] = '\0';
	return any;
}

#define VERDICTS "accept, edit, reject, skip, note or prefer"
#define PREFS "a, b, tie or both-bad"

/* What is wrong with a line's fields, echoing the values found (truncated;
 * the caller prints the message sanitised): false when nothing is. */
static bool line_refused(const one *d, const ingest_decision *in, char *why, size_t whylen)
{
	if (!d->id)
		snprintf(why, whylen, "no \"id\"");
	else if (!in->verdict && !in->prefer)
		snprintf(why, whylen, "no \"verdict\": expected " VERDICTS);
	else if (d->kind == -1)
		snprintf(why, whylen, "\"verdict\": expected " VERDICTS ", got \"%.64s\"",
			 in->verdict);
	else if (d->kind == KIND_PREFER && !in->prefer)
		snprintf(why, whylen, "\"verdict\": \"prefer\" needs \"prefer\": " PREFS);
	else if (in->prefer && d->kind != KIND_PREFER)
		snprintf(why, whylen, "\"prefer\" goes with \"verdict\": \"prefer\" or none, got "
			 "\"verdict\": \"%.64s\"", in->verdict);
	else if (in->prefer && d->pref == STORE_PREF_NONE)
		snprintf(why, whylen, "\"prefer\": expected " PREFS ", got \"%.64s\"", in->prefer);
	else if (d->pref && d->text && d->pref != STORE_PREF_A && d->pref != STORE_PREF_B)
		snprintf(why, whylen, "\"text\" (the chosen one corrected) goes with a or b");
	else if (!d->annotator || !*d->annotator)
		snprintf(why, whylen, "no \"annotator\" on the line and none to fall back on (give "
			 "--annotator NAME, or set $ASSAY_ANNOTATOR)");
	else
		return false;
	return true;
}

/* Checks one line and records its decision; why says what was wrong.
 * Returns the status of a store failure that ends the run, else 0. */
static int decide_line(store *s, const char *line, size_t len, const char *annotator,
		       const char *batch, char *why, size_t whylen)
{
	ingest_decision in;
	if (ingest_decision_parse(line, len, &in, why, whylen) < 0)
		return 0;
	one d = {.id = in.id,
		 .kind = in.prefer && !in.verdict ? KIND_PREFER : kind_parse(in.verdict),
		 .pref = store_pref_parse(in.prefer),
		 .reason = in.reason,
		 .text = in.text,
		 .annotator = in.annotator ? in.annotator : annotator,
		 .batch = in.batch ? in.batch : batch,
		 .adjudicate = in.adjudicate};
	int rc = 0;
	assay_error err = {0};
	if (!line_refused(&d, &in, why, whylen) && decide_one(s, &d, &err) < 0) {
		snprintf(why, whylen, "%s", err.msg);
		if (err.code == ASSAY_EBUSY || err.code == ASSAY_EIO || err.code == ASSAY_EFULL)
			rc = err.code; /* the database itself failed: stop here */
	}
	ingest_decision_free(&in);
	return rc;
}

/* --from: one decision per line; returns the exit code. */
static int decide_from(store *s, const char *path, const char *annotator, const char *batch)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f) {
		cli_errorf("%s: %s", path, strerror(errno));
		return errno == ENOENT ? EXIT_NOINPUT : EXIT_IO;
	}
	const char *name = f == stdin ? "stdin" : path;
	abuf line = {0};
	bool too_long;
	long lineno = 0, done = 0, refused = 0;
	int code = 0;
	while (read_line(f, &line, ASSAY_DECISION_LINE_MAX, &too_long)) {
		lineno++;
		if (!line.len && !too_long)
			continue;
		char why[1100] = "";
		int rc = 0;
		if (too_long)
			snprintf(why, sizeof why, "the line is longer than the %u bytes allowed",
				 ASSAY_DECISION_LINE_MAX);
		else
			rc = decide_line(s, line.data, line.len, annotator, batch, why, sizeof why);
		if (rc < 0) {
			cli_errorf("%s:%ld: %s", name, lineno, why);
			code = cli_exit_code(rc);
			break;
		}
		if (why[0]) {
			char msg[1300];
			snprintf(msg, sizeof msg, "%s:%ld: %s", name, lineno, why);
			cli_put_safe(stderr, msg);
			fputc('\n', stderr);
			refused++;
		} else {
			done++;
		}
	}
	abuf_free(&line);
	if (f != stdin)
		fclose(f);
	printf("%ld decisions recorded, %ld refused\n", done, refused);
	return code ? code : refused ? EXIT_DATA : 0;
}

/* --undo: the annotator's latest decision, or with all every one; returns
 * the exit code. */
static int undo_latest(store *s, const char *annotator, bool all)
{
	assay_error err = {0};
	int64_t who, sample, n;
	int rc = store_annotator_ensure(s, annotator, &who, &err);
	if (rc == ASSAY_OK)
		rc = all ? store_undo_all(s, who, "decide", &n, &err)
			 : store_undo(s, who, "decide", &sample, &err);
	if (rc < 0)
		return cli_fail(&err);
	if (all) {
		printf("undid %lld decisions of ", (long long)n);
		cli_put_safe(stdout, annotator);
		puts(n ? "" : " (no decision by that name: check its spelling with 'assay stats')");
		return 0;
	}
	store_sample smp;
	if (store_sample_get(s, sample, &smp, &err) == ASSAY_OK) {
		fputs("undid the latest decision on ", stdout);
		cli_put_safe(stdout, smp.ext_id);
		putchar('\n');
		store_sample_free(&smp);
	}
	return 0;
}

/* Checks the options of --auto and --undo --all; 0 when fine, else the exit
 * code (said why). */
static int auto_options(const cli_ctx *ctx, bool autom, const char *precision, bool undo,
			bool all, int npos, const char *reason, decide_auto_opts *ao)
{
	if (all && !undo)
		return cli_usage_error(ctx, "--all goes with --undo");
	if (!autom)
		return precision || ao->dry_run
			       ? cli_usage_error(ctx, "--precision and --dry-run go with --auto")
			       : 0;
	if (undo || npos)
		return cli_usage_error(ctx, "--auto decides on its own: no ID, verdict or --undo");
	char *end = NULL;
	ao->precision = precision ? strtod(precision, &end) : NAN;
	if (!precision || end == precision || *end || !(ao->precision > 0 && ao->precision < 1))
		return cli_usage_error(ctx, "--auto needs --precision P, a number between 0 and 1 "
					    "(e.g. 0.95)");
	ao->reason = reason;
	return 0;
}

/* Every option of the command. */
typedef struct args {
	one d;
	const char *from, *precision, *sample, *seed, *max_disagree;
	bool undo, all, autom, yes;
	bool annotator_given; /* --annotator on the command line, not from the environment */
	decide_auto_opts ao;
	cli_where where;
} args;

/* --annotator NAME: given on the command line, not from the environment. */
static int annotator_option(const cli_ctx *ctx, void *ud, const char *value)
{
	(void)ctx;
	args *a = ud;
	a->d.annotator = value;
	a->annotator_given = true;
	return 0;
}

static const cli_opt decide_rows[] = {
	CLI_CALL("annotator", 0, "NAME", annotator_option,
		 "who decides (default: $ASSAY_ANNOTATOR, else $USER)"),
	CLI_STRING("batch", 0, args, d.batch, "NAME",
		   "the batch holding ID, when several batches have it"),
	CLI_STRING("reason", 0, args, d.reason, "R", "with reject: why (required)"),
	CLI_STRING("text", 0, args, d.text, "T",
		   "with edit: the corrected text; with note: the note"),
	CLI_FLAG("adjudicate", 0, args, d.adjudicate,
		 "record a lead's final verdict (accept, edit or reject; on\n"
		 "a pair a preference), which export honours over the\n"
		 "annotators'; refused (exit 1) while another lead has the\n"
		 "sample on screen (review --conflicts), naming the lead"),
	CLI_STRING("from", 0, args, from, "FILE",
		   "one decision per JSON line: {\"id\": ..., \"verdict\":\n"
		   "\"accept\"|\"edit\"|\"reject\"|\"skip\"|\"note\", \"reason\": ...,\n"
		   "\"text\": ..., \"annotator\": ..., \"batch\": ...}, on a pair\n"
		   "{\"id\": ..., \"verdict\": \"prefer\", \"prefer\": \"a\"|\"b\"|\"tie\"|\n"
		   "\"both-bad\", ...}; - is stdin; a line's \"annotator\" wins\n"
		   "over --annotator, which (or $ASSAY_ANNOTATOR, $USER) is\n"
		   "needed only for lines without one;\n"
		   "bad lines are reported as FILE:LINE: reason and skipped"),
	CLI_FLAG("undo", 0, args, undo, "undo this annotator's latest decision"),
	CLI_FLAG("all", 0, args, all,
		 "with --undo: every decision of this annotator, newest\n"
		 "first (each an undo event)"),
	CLI_FLAG("auto", 0, args, autom,
		 "reject the undecided samples the newest learned model\n"
		 "(assay learn, then assay score) is sure of: P(reject)\n"
		 "at or above the lowest threshold whose out-of-fold\n"
		 "precision has a 95% Wilson lower bound >= P; recorded\n"
		 "as annotator auto:learned@VERSION (left out of agreement,\n"
		 "marked in export --provenance), with --reason R or the\n"
		 "model's likely reason (else \"other\")"),
	CLI_STRING("precision", 0, args, precision, "P",
		   "with --auto: the target precision, e.g. 0.95"),
	CLI_FLAG("dry-run", 0, args, ao.dry_run,
		 "with --auto: say the threshold, how many samples and a few\n"
		 "examples; with --where: how many and a few; write nothing"),
	CLI_WHERE(args, where,
		  "the slice (see assay export --help): accept or reject every\n"
		  "sample of it this annotator has no verdict on (skips aside),\n"
		  "a page of 500 per transaction; prefer decides its pairs of\n"
		  "candidates, accept and reject the rest: each says how many\n"
		  "of the other kind it skipped; with --undo: undo this\n"
		  "annotator's latest decision on each sample of it"),
	CLI_FLAG("yes", 0, args, yes, "do not ask (without a terminal --where needs it)"),
	CLI_STRING("sample", 0, args, sample, "N",
		   "with --where: first draw N of those samples for a human to\n"
		   "decide (assay review --where 'spotcheck = ID'); the bulk\n"
		   "verdict waits. The same command run again decides the rest,\n"
		   "or refuses when more of the N than --max-disagree disagree"),
	CLI_STRING("seed", 0, args, seed, "S",
		   "the draw (default 1): the N samples with the smallest\n"
		   "splitmix64(S xor splitmix64(id)); same seed, same draw"),
	CLI_STRING("max-disagree", 0, args, max_disagree, "R",
		   "the share of the N whose verdict may differ (default 0.1)"),
	CLI_HELP(),
	CLI_END(),
};

const cli_opts cli_decide_opts = {
	.head = decide_head,
	.rows = decide_rows,
	.column = 20,
	.max_operands = -1,
};

/* --where: checks what goes with it and runs it; returns the exit code. */
static int slice_run(cli_ctx *ctx, const args *a, int npos, char **rest)
{
	const one *d = &a->d;
	if (a->from || a->autom || a->all || d->adjudicate || d->text || d->batch || a->precision)
		return cli_usage_error(ctx, "--where goes without --from, --auto, --all, --adjudicate, "
					    "--text and --batch (put batch = NAME in the expression)");
	decide_slice_opts o = {.where = &a->where, .annotator = d->annotator, .reason = d->reason,
			       .dry_run = a->ao.dry_run, .yes = a->yes, .undo = a->undo,
			       .seed = 1, .max_disagree = 0.1};
	bool prefer = !a->undo && npos == 2 && strcmp(rest[0], "prefer") == 0;
	if (npos != (a->undo ? 0 : prefer ? 2 : 1))
		return cli_usage_error(ctx, a->undo ? "--undo --where takes no verdict"
						    : "--where needs accept, reject or prefer "
						      "a|b|tie|both-bad");
	if (prefer && (o.pref = store_pref_parse(rest[1])) == STORE_PREF_NONE)
		return cli_usage_error(ctx, "prefer: expected a, b, tie or both-bad, got \"%s\"",
				       rest[1]);
	o.kind = a->undo ? -1 : prefer ? pref_kind(o.pref, false) : kind_parse(rest[0]);
	if (!a->undo && !prefer && o.kind != STORE_ACCEPT && o.kind != STORE_REJECT)
		return cli_usage_error(ctx, "--where decides accept, reject or prefer "
					    "a|b|tie|both-bad, got \"%s\"", rest[0]);
	if (o.kind == STORE_REJECT && !o.reason && !prefer)
		return cli_usage_error(ctx, "reject needs --reason");
	if (prefer && a->sample)
		return cli_usage_error(ctx, "--sample goes with accept or reject");
	long n = 0, seed = 1;
	char *end = NULL;
	if (a->max_disagree)
		o.max_disagree = strtod(a->max_disagree, &end);
	if ((a->sample && !cli_parse_long(a->sample, 1, 1000000, &n)) ||
	    (a->seed && !cli_parse_long(a->seed, 0, LONG_MAX, &seed)) ||
	    (a->max_disagree && (end == a->max_disagree || *end || !(o.max_disagree >= 0) ||
				 o.max_disagree > 1)))
		return cli_usage_error(ctx, "--sample takes 1 to 1000000, --seed a whole number "
					    "and --max-disagree a share from 0 to 1 (e.g. 0.1)");
	if ((a->seed || a->max_disagree) && !a->sample)
		return cli_usage_error(ctx, "--seed and --max-disagree go with --sample");
	o.sample = n;
	o.seed = (uint64_t)seed;
	return decide_slice(ctx, &o);
}

/* Opens the store and records what the arguments say; returns the exit
 * code. */
static int decide_run(cli_ctx *ctx, const args *a, const one *d)
{
	store *s = NULL;
	store_options so = {.must_exist = true};
	int code = cli_open_store(ctx, &so, &s);
	if (code)
		return code;
	assay_error err = {0};
	if (a->from)
		code = decide_from(s, a->from, d->annotator, d->batch);
	else if (a->undo)
		code = undo_latest(s, d->annotator, a->all);
	else if (decide_one(s, d, &err) < 0)
		code = cli_fail(&err);
	/* corrections are scored on their own text, beside the originals */
	if (!a->undo) {
		int c2 = cli_score_edits(s);
		code = code ? code : c2;
	}
	store_close(s);
	return code;
}

/* ID prefer a|b|tie|both-bad: fills d; 0, or 1 after a usage error. */
static int prefer_args(cli_ctx *ctx, one *d, char **pos)
{
	d->id = pos[0];
	d->kind = KIND_PREFER;
	if ((d->pref = store_pref_parse(pos[2])) == STORE_PREF_NONE)
		return cli_usage_error(ctx, "prefer: expected a, b, tie or both-bad, got \"%s\"",
				       pos[2]) != 0;
	if (d->text && d->pref != STORE_PREF_A && d->pref != STORE_PREF_B)
		return cli_usage_error(ctx, "--text (the chosen one corrected) goes with prefer a "
					    "or b") != 0;
	return 0;
}

int cmd_decide(cli_ctx *ctx, int argc, char **argv)
{
	args a = {.d.annotator = getenv("ASSAY_ANNOTATOR")};
	if (!a.d.annotator || !*a.d.annotator)
		a.d.annotator = getenv("USER");
	int first = 1;
	int code = cli_opts_parse(ctx, &cli_decide_opts, argc, argv, &a, &first);
	one d = a.d;
	int npos = argc - first;
	if (code == 0 && a.where.set && (!d.annotator || !*d.annotator))
		code = cli_usage_error(ctx, "who decides? give --annotator NAME (or set "
					    "$ASSAY_ANNOTATOR)");
	else if (code == 0 && a.where.set)
		code = slice_run(ctx, &a, npos, argv + first);
	else if (code == 0 && (a.yes || a.sample || a.seed || a.max_disagree))
		code = cli_usage_error(ctx, "--yes, --sample, --seed and --max-disagree go with "
					    "--where");
	if (code || a.where.set) {
		cli_where_free(&a.where);
		return code < 0 ? 0 : code;
	}
	/* undoing every decision of someone has no redo: it names them itself */
	if (a.all && !a.annotator_given)
		return cli_usage_error(ctx, "--undo --all undoes every decision of an annotator: "
					    "name them with --annotator NAME");
	if (a.autom || a.precision || a.ao.dry_run || a.all) {
		code = auto_options(ctx, a.autom, a.precision, a.undo, a.all, npos, d.reason, &a.ao);
		if (code || a.autom)
			return code < 0 ? 0 : code ? code : decide_auto(ctx, &a.ao);
	}
	/* --from: each line may name its annotator; one that does not and has
	 * none to fall back on is refused on its own (line_refused) */
	if ((!d.annotator || !*d.annotator) && (!a.from || a.undo))
		return cli_usage_error(ctx, "who decides? give --annotator NAME (or set "
					    "$ASSAY_ANNOTATOR)");
	if ((a.from || a.undo) && npos)
		return cli_usage_error(ctx, "unexpected argument '%s'", argv[first]);
	if (!a.from && !a.undo) {
		if (npos == 3 && strcmp(argv[first + 1], "prefer") == 0)
			return prefer_args(ctx, &d, argv + first) ? EXIT_USAGE : decide_run(ctx, &a, &d);
		if (npos != 2)
			return cli_usage_error(ctx, "expected ID and accept|edit|reject|skip|note, or "
						    "ID prefer a|b|tie|both-bad");
		d.id = argv[first];
		if ((d.kind = kind_parse(argv[first + 1])) < 0)
			return cli_usage_error(ctx, "expected accept, edit, reject, skip or note, got "
						    "\"%s\"", argv[first + 1]);
		if (d.kind == STORE_REJECT && !d.reason)
			return cli_usage_error(ctx, "reject needs --reason");
		if ((d.kind == STORE_EDIT || d.kind == STORE_NOTE) && !d.text)
			return cli_usage_error(ctx, "%s needs --text", argv[first + 1]);
	}
	return decide_run(ctx, &a, &d);
}
