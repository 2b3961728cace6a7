/* cmd_decide.c — `assay decide`: the review screen's decisions from a
 * script, one at a time or in bulk from JSONL, through the same store
 * transaction the screen uses. */
#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/ingest.h"
#include "assay/limits.h"
#include "cli.h"
#include "decide_auto.h"

static const char help[] =
	"usage: assay decide [OPTIONS] ID accept|edit|reject|skip|note\n"
	"       assay decide [OPTIONS] --from FILE.jsonl\n"
	"       assay decide [OPTIONS] --undo [--all]\n"
	"       assay decide --auto --precision P [--dry-run] [--reason R]\n"
	"\n"
	"Records a decision on the sample with external id ID, exactly as the\n"
	"review screen does (the event and the verdict in one transaction).\n"
	"\n"
	"Options:\n"
	"  --annotator NAME  who decides (default: $ASSAY_ANNOTATOR, else $USER)\n"
	"  --batch NAME      the batch holding ID, when several batches have it\n"
	"  --reason R        with reject: why (required)\n"
	"  --text T          with edit: the corrected text; with note: the note\n"
	"  --adjudicate      record a lead's final verdict (accept, edit or reject),\n"
	"                    which export honours over the annotators'\n"
	"  --from FILE       one decision per JSON line: {\"id\": ..., \"verdict\":\n"
	"                    \"accept\"|\"edit\"|\"reject\"|\"skip\"|\"note\", \"reason\": ...,\n"
	"                    \"text\": ..., \"annotator\": ..., \"batch\": ...}; - is stdin;\n"
	"                    bad lines are reported as FILE:LINE: reason and skipped\n"
	"  --undo            undo this annotator's latest decision\n"
	"  --all             with --undo: every decision of this annotator, newest\n"
	"                    first (each an undo event)\n"
	"  --auto            reject the undecided samples the newest learned model\n"
	"                    (assay learn, then assay score) is sure of: P(reject)\n"
	"                    at or above the lowest threshold whose out-of-fold\n"
	"                    precision has a 95% Wilson lower bound >= P; recorded\n"
	"                    as annotator auto:learned@VERSION (left out of agreement,\n"
	"                    marked in export --provenance), with --reason R or the\n"
	"                    model's likely reason (else \"other\")\n"
	"  --precision P     with --auto: the target precision, e.g. 0.95\n"
	"  --dry-run         with --auto: say the threshold, how many samples and a few\n"
	"                    examples; write nothing\n"
	"  -h, --help        this help\n";

static const struct {
	const char *name;
	int kind;
} kinds[] = {
	{"accept", STORE_ACCEPT}, {"accepted", STORE_ACCEPT}, {"edit", STORE_EDIT},
	{"edited", STORE_EDIT},   {"reject", STORE_REJECT},   {"rejected", STORE_REJECT},
	{"skip", STORE_SKIP},     {"skipped", STORE_SKIP},    {"note", STORE_NOTE},
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
	bool adjudicate;
} one;

/* Records one decision; err says what was wrong. */
static int decide_one(store *s, const one *d, assay_error *err)
{
	int64_t annotator;
	store_sample smp;
	int rc = store_annotator_ensure(s, d->annotator, &annotator, err);
	if (rc < 0)
		return rc;
	if ((rc = store_sample_by_ext_id(s, d->id, d->batch, &smp, err)) < 0)
		return rc;
	store_decision_in in = {
		.sample_id = smp.id,
		.annotator_id = annotator,
		.kind = d->kind,
		.text = d->text,
		.reason = d->reason,
		.session = "decide",
	};
	int64_t event_id;
	rc = d->adjudicate ? store_adjudicate(s, &in, &event_id, err)
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

/* Checks one line and records its decision; why says what was wrong.
 * Returns the status of a store failure that ends the run, else 0. */
static int decide_line(store *s, const char *line, size_t len, const char *annotator,
		       const char *batch, char *why, size_t whylen)
{
	ingest_decision in;
	if (ingest_decision_parse(line, len, &in, why, whylen) < 0)
		return 0;
	one d = {.id = in.id,
		 .kind = kind_parse(in.verdict),
		 .reason = in.reason,
		 .text = in.text,
		 .annotator = in.annotator ? in.annotator : annotator,
		 .batch = in.batch ? in.batch : batch,
		 .adjudicate = in.adjudicate};
	int rc = 0;
	assay_error err = {0};
	if (!d.id)
		snprintf(why, whylen, "no \"id\"");
	else if (d.kind < 0)
		snprintf(why, whylen, "\"verdict\": expected accept, edit, reject, skip or note");
	else if (!d.annotator)
		snprintf(why, whylen, "no annotator (give \"annotator\" or --annotator)");
	else if (decide_one(s, &d, &err) < 0) {
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
		putchar('\n');
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

int cmd_decide(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"annotator", required_argument, NULL, 'a'},
		{"batch", required_argument, NULL, 'b'},
		{"reason", required_argument, NULL, 'r'},
		{"text", required_argument, NULL, 't'},
		{"adjudicate", no_argument, NULL, 'A'},
		{"from", required_argument, NULL, 'f'},
		{"undo", no_argument, NULL, 'u'},
		{"all", no_argument, NULL, 'L'},
		{"auto", no_argument, NULL, 'M'},
		{"precision", required_argument, NULL, 'P'},
		{"dry-run", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	one d = {.annotator = getenv("ASSAY_ANNOTATOR")};
	if (!d.annotator || !*d.annotator)
		d.annotator = getenv("USER");
	const char *from = NULL, *precision = NULL;
	bool undo = false, all = false;
	decide_auto_opts ao = {0};
	bool autom = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': d.annotator = optarg; break;
		case 'b': d.batch = optarg; break;
		case 'r': d.reason = optarg; break;
		case 't': d.text = optarg; break;
		case 'A': d.adjudicate = true; break;
		case 'f': from = optarg; break;
		case 'u': undo = true; break;
		case 'L': all = true; break;
		case 'M': autom = true; break;
		case 'P': precision = optarg; break;
		case 'n': ao.dry_run = true; break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	int npos = argc - optind;
	if (autom || precision || ao.dry_run || all) {
		int code = auto_options(ctx, autom, precision, undo, all, npos, d.reason, &ao);
		if (code || autom)
			return code < 0 ? 0 : code ? code : decide_auto(ctx, &ao);
	}
	if (!d.annotator || !*d.annotator)
		return cli_usage_error(ctx, "who decides? give --annotator NAME (or set "
					    "$ASSAY_ANNOTATOR)");
	if ((from || undo) && npos)
		return cli_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	if (!from && !undo) {
		if (npos != 2)
			return cli_usage_error(ctx, "expected ID and accept|edit|reject|skip|note");
		d.id = argv[optind];
		if ((d.kind = kind_parse(argv[optind + 1])) < 0)
			return cli_usage_error(ctx, "expected accept, edit, reject, skip or note, got "
						    "\"%s\"", argv[optind + 1]);
		if (d.kind == STORE_REJECT && !d.reason)
			return cli_usage_error(ctx, "reject needs --reason");
		if ((d.kind == STORE_EDIT || d.kind == STORE_NOTE) && !d.text)
			return cli_usage_error(ctx, "%s needs --text", argv[optind + 1]);
	}
	store *s = NULL;
	store_options so = {.must_exist = true};
	int code = cli_open_store(ctx, &so, &s);
	if (code)
		return code;
	assay_error err = {0};
	if (from) {
		code = decide_from(s, from, d.annotator, d.batch);
	} else if (undo) {
		code = undo_latest(s, d.annotator, all);
	} else if (decide_one(s, &d, &err) < 0) {
		code = cli_fail(&err);
	}
	/* corrections are scored on their own text, beside the originals */
	if (!undo) {
		int c2 = cli_score_edits(s);
		code = code ? code : c2;
	}
	store_close(s);
	return code;
}
