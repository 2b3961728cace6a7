/* cmd_import.c — `assay import SOURCE...`: files, stdin (-) or URLs into
 * the database, with a per-line report of what was refused. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <limits.h>
#include <sys/stat.h>

#include "assay/ingest.h"
#include "assay/media.h"
#include "cli.h"
#include "opt.h"

static const char import_head[] =
	"usage: assay import [OPTIONS] SOURCE...\n"
	"       assay import --group-by FIELD [--pairs-per-group N] [--seed N]\n"
	"                    [--from-batch B] [--batch NAME]\n"
	"\n"
	"Imports samples from each SOURCE: a file, - for standard input, or an\n"
	"http(s) URL (streamed); every file is checked to open before anything\n"
	"is imported. Bad records are skipped and reported as FILE:LINE: reason;\n"
	"exact duplicates (same text after normalization) are dropped and\n"
	"counted. Importing the same source into the same batch\n"
	"again adds only what is new, so an interrupted import is finished by\n"
	"running it again (standard input: with --batch naming the batch the\n"
	"interruption message names).\n"
	"\n";

static const char import_foot[] =
	"\n"
	"Exit status: 0 when every record was imported or dropped as a duplicate,\n"
	"65 when some were rejected, 130 when interrupted (what was read is kept).\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
	/* A second Ctrl-C ends the process at once; the database stays sound. */
	signal(SIGINT, SIG_DFL);
}

typedef struct import_ui {
	cli_progress bar;
	char counts[96];
} import_ui;

static void report(void *ud, const char *source, int64_t line, const char *reason)
{
	import_ui *ui = ud;
	cli_progress_done(&ui->bar);
	char msg[1024];
	if (source)
		snprintf(msg, sizeof msg, "%s:%lld: %s", source, (long long)line, reason);
	else
		snprintf(msg, sizeof msg, "%s", reason);
	cli_put_safe(stderr, msg);
	fputc('\n', stderr);
}

static void progress(void *ud, const ingest_progress *p)
{
	import_ui *ui = ud;
	snprintf(ui->counts, sizeof ui->counts, "%lld records", (long long)p->read);
	cli_progress_update(&ui->bar, p->bytes, p->total_bytes, "B", ui->counts, false);
}

static void summary(const char *source, const ingest_result *r)
{
	char line[1024], batch[300] = "";
	if (!r->dropped)
		snprintf(batch, sizeof batch, " batch \"%s\"%s:", r->batch,
			 r->resumed ? " (existing)" : "");
	snprintf(line, sizeof line,
		 "%s:%s %lld read, %lld imported, %lld duplicate, %lld rejected%s",
		 strcmp(source, "-") == 0 ? "stdin" : source, batch, (long long)r->read,
		 (long long)r->imported, (long long)r->duplicate, (long long)r->rejected,
		 r->dropped ? "; no batch kept, every record was refused" : "");
	cli_put_safe(stdout, line);
	if (r->present)
		printf(", %lld already present", (long long)r->present);
	putchar('\n');
	fflush(stdout);
}

#define MAX_MAPS 32

/* What the command line asked for. */
typedef struct args {
	ingest_options o;
	ingest_group_options group; /* import --group-by's (they take no SOURCE) */
	bool group_extra;           /* --pairs-per-group, --seed or --from-batch given */
	bool quiet, no_score;
	const char *maps[MAX_MAPS]; /* --media-map's rules (argv's own text) */
	char media_root[PATH_MAX];
} args;

/* The options of what is read and where it goes. */
static int format_option(const cli_ctx *ctx, void *ud, const char *value)
{
	if (strcmp(value, "jsonl") && strcmp(value, "json") && strcmp(value, "csv"))
		return cli_usage_error(ctx, "--format: expected jsonl, json or csv, got \"%s\"",
				       value);
	((args *)ud)->o.format = value;
	return 0;
}

static int batch_option(const cli_ctx *ctx, void *ud, const char *value)
{
	if (!*value)
		return cli_usage_error(ctx, "--batch: the name is empty");
	((args *)ud)->o.batch = value;
	return 0;
}

static int max_line_option(const cli_ctx *ctx, void *ud, const char *value)
{
	if (!cli_parse_size(value, &((args *)ud)->o.max_line))
		return cli_usage_error(ctx, "--max-line: expected a size such as 16M, got \"%s\"",
				       value);
	return 0;
}

/* The options of what a sample is judged against. */
static int turn_option(const cli_ctx *ctx, void *ud, const char *value)
{
	char *end;
	long t = strtol(value, &end, 10);
	if (end == value || *end || t < 0 || t > 1000000)
		return cli_usage_error(ctx, "--turn: expected a turn number (0 is the first), "
					    "got \"%s\"", value);
	((args *)ud)->o.turn = (int)t;
	((args *)ud)->o.turn_set = true;
	return 0;
}

static int kind_option(const cli_ctx *ctx, void *ud, const char *value)
{
	if (strcmp(value, "caption") && strcmp(value, "response") && strcmp(value, "text"))
		return cli_usage_error(ctx, "--kind: expected caption, response or text, got \"%s\"",
				       value);
	((args *)ud)->o.kind = value;
	return 0;
}

static int dedup_option(const cli_ctx *ctx, void *ud, const char *value)
{
	if (strcmp(value, "text") && strcmp(value, "context+text") && strcmp(value, "none"))
		return cli_usage_error(ctx, "--dedup-on: expected text, context+text or none, "
					    "got \"%s\"", value);
	((args *)ud)->o.dedup_on = value;
	return 0;
}

/* --pair and --pair-model: "A,B", two field names. */
static int two_fields(const cli_ctx *ctx, const char *opt, const char *value, const char **out)
{
	const char *comma = strchr(value, ',');
	if (!comma || comma == value || !comma[1] || strchr(comma + 1, ','))
		return cli_usage_error(ctx, "--%s: expected two field names separated by a comma, "
					    "got \"%s\"", opt, value);
	*out = value;
	return 0;
}

static int pair_option(const cli_ctx *ctx, void *ud, const char *value)
{
	return two_fields(ctx, "pair", value, &((args *)ud)->o.pair_fields);
}

static int pair_model_option(const cli_ctx *ctx, void *ud, const char *value)
{
	return two_fields(ctx, "pair-model", value, &((args *)ud)->o.pair_model_fields);
}

/* The options of the media. */
static int media_option(const cli_ctx *ctx, void *ud, const char *value)
{
	if (!value[strspn(value, " ,")])
		return cli_usage_error(ctx, "--media: expected field names, got \"%s\"", value);
	((args *)ud)->o.media_fields = value;
	return 0;
}

static int media_root_option(const cli_ctx *ctx, void *ud, const char *value)
{
	args *a = ud;
	struct stat st;
	if (!realpath(value, a->media_root) || stat(a->media_root, &st) < 0 ||
	    !S_ISDIR(st.st_mode))
		return cli_usage_error(ctx, "--media-root %s: not a directory", value);
	a->o.media_root = a->media_root;
	return 0;
}

static int media_map_option(const cli_ctx *ctx, void *ud, const char *value)
{
	args *a = ud;
	char copy[4096];
	media_map m;
	assay_error e = {0};
	snprintf(copy, sizeof copy, "%s", value);
	if (media_parse_map(copy, &m, &e) < 0)
		return cli_usage_error(ctx, "%s", e.msg);
	if (a->o.n_media_maps == MAX_MAPS)
		return cli_usage_error(ctx, "--media-map: at most %d rules", MAX_MAPS);
	a->maps[a->o.n_media_maps++] = value;
	return 0;
}

/* The options of import --group-by. */
static int group_by_option(const cli_ctx *ctx, void *ud, const char *value)
{
	if (!*value)
		return cli_usage_error(ctx, "--group-by: the field name is empty");
	((args *)ud)->group.field = value;
	return 0;
}

static int from_batch_option(const cli_ctx *ctx, void *ud, const char *value)
{
	if (!*value)
		return cli_usage_error(ctx, "--from-batch: the batch name is empty");
	((args *)ud)->group.from_batch = value;
	((args *)ud)->group_extra = true;
	return 0;
}

/* A whole number from 0 (strtoll's reading), or -1. */
static long long whole_number(const char *value)
{
	char *end;
	errno = 0;
	long long v = strtoll(value, &end, 10);
	return end == value || *end || errno || v < 0 ? -1 : v;
}

static int per_group_option(const cli_ctx *ctx, void *ud, const char *value)
{
	long long v = whole_number(value);
	if (v < 1 || v > INGEST_GROUP_PAIRS_MAX)
		return cli_usage_error(ctx, "--pairs-per-group: expected a number of pairs from 1 "
					    "to %d, got \"%s\"", INGEST_GROUP_PAIRS_MAX, value);
	((args *)ud)->group.per_group = v;
	((args *)ud)->group_extra = true;
	return 0;
}

static int seed_option(const cli_ctx *ctx, void *ud, const char *value)
{
	long long v = whole_number(value);
	if (v < 0)
		return cli_usage_error(ctx, "--seed: expected a whole number from 0, got \"%s\"",
				       value);
	((args *)ud)->group.seed = (uint64_t)v;
	((args *)ud)->group_extra = true;
	return 0;
}

static const cli_opt import_rows[] = {
	CLI_CALL("format", 0, "FMT", format_option,
		 "jsonl, json (an array) or csv (with a header row);\n"
		 "default: by extension (.csv, .json), else jsonl"),
	CLI_STRING("text", 0, args, o.text_field, "FIELD",
		   "the field holding the sample text (dotted paths such\n"
		   "as meta.caption work); default: the first present of\n"
		   "text, caption, output, response, completion"),
	CLI_STRING("id", 0, args, o.id_field, "FIELD",
		   "the field holding the sample id; default: id when\n"
		   "present, else the line number"),
	CLI_CALL("batch", 0, "NAME", batch_option,
		 "the batch to import into (created when new); default:\n"
		 "the batch this source was last imported into, else\n"
		 "NAME@TIME from the file name (NAME@TIME#2 when taken)"),
	CLI_STRING("meta", 0, args, o.meta_fields, "FIELDS",
		   "comma-separated fields annotators see beside the text;\n"
		   "default: all fields but the text"),
	CLI_STRING("context", 0, args, o.context_fields, "FIELDS",
		   "comma-separated fields the text is judged against\n"
		   "(kept with the sample, seen by scorers and the judge);\n"
		   "default: the first present of instruction (with\n"
		   "input), prompt, question, query, user_query, system;\n"
		   "\"\" for none. A record with messages (role/content)\n"
		   "or conversations (from/value) is a conversation: the\n"
		   "last assistant turn is the text, earlier turns its\n"
		   "context"),
	CLI_CALL("turn", 0, "N", turn_option, "review turn N (0 is the first) of each conversation"),
	CLI_CALL("kind", 0, "KIND", kind_option,
		 "caption, response or text: the scorers' rules; default:\n"
		 "by the text field's name (caption, alt_text, ...)"),
	CLI_CALL("dedup-on", 0, "WHAT", dedup_option,
		 "what makes two records exact duplicates: text,\n"
		 "context+text (the default: the text alone when a\n"
		 "record has no context) or none"),
	CLI_CALL("media", 0, "FIELDS", media_option,
		 "comma-separated fields naming each sample's picture or\n"
		 "video (dotted paths work); default: the first present\n"
		 "of image, image_path, image_url, img, video,\n"
		 "video_path, video_url, media, file, path, at the top\n"
		 "level, else in nested objects (meta.source.uri)"),
	CLI_CALL("media-root", 0, "DIR", media_root_option,
		 "relative media paths resolve inside DIR (default: the\n"
		 "source file's directory); `assay batch set-media-root`\n"
		 "changes it later"),
	CLI_CALL("media-map", 0, "PREFIX=URL_PREFIX", media_map_option,
		 "read media starting with PREFIX (s3://bucket/) from\n"
		 "URL_PREFIX (https://host/) instead; repeatable"),
	CLI_CALL("pair", 0, "A,B", pair_option,
		 "each record holds two candidates for one prompt, in\n"
		 "fields A and B (strings or message lists); without it a\n"
		 "record with no text field but chosen,rejected,\n"
		 "response_a,response_b, output_1,output_2 or\n"
		 "completion_a,completion_b is read as such a pair. A\n"
		 "\"chosen\" field is kept as the record's claim"),
	CLI_CALL("pair-model", 0, "A,B", pair_model_option,
		 "the fields naming each candidate's generator model\n"
		 "(default: A_model, else model_SUFFIX: model_a)"),
	CLI_CALL("group-by", 0, "FIELD", group_by_option,
		 "pair up the samples already imported one per record\n"
		 "whose FIELD is the same (one prompt's generations),\n"
		 "into --batch (default: pairs-by-FIELD); their model\n"
		 "is the record's model, else meta.model. No SOURCE"),
	CLI_CALL("pairs-per-group", 0, "N", per_group_option,
		 "at most N pairs of each group, chosen by a hash of\n"
		 "--seed and both ids (default: every pair)"),
	CLI_CALL("seed", 0, "N", seed_option, "which pairs --pairs-per-group keeps (default 0)"),
	CLI_CALL("from-batch", 0, "B", from_batch_option, "pair up only the samples of batch B"),
	CLI_CALL("max-line", 0, "SIZE", max_line_option,
		 "longest record accepted (default 16M; K, M, G suffixes)"),
	CLI_FLAG("strict", 0, args, o.strict,
		 "any bad record aborts the import of its source, leaving\n"
		 "the database exactly as it was"),
	CLI_FLAG("no-score", 0, args, no_score, "do not run the built-in scorers after the import"),
	CLI_FLAG("quiet", 0, args, quiet, "no summary lines"),
	CLI_HELP(),
	CLI_END(),
};

const cli_opts cli_import_opts = {
	.head = import_head,
	.rows = import_rows,
	.column = 19,
	.foot = import_foot,
	.max_operands = -1,
	.wide_alone = true,
};

/* Writes the pairs of import --group-by into a private temporary file and
 * imports it as a pair file into the batch. Returns the exit code. */
static int group_import(store *s, args *a, import_ui *ui)
{
	ingest_options *o = &a->o;
	ingest_group_options *group = &a->group;
	bool quiet = a->quiet;
	char name[300], path[4096];
	snprintf(name, sizeof name, "pairs-by-%s", group->field);
	group->into_batch = o->batch ? o->batch : name;
	o->batch = group->into_batch;
	o->format = "jsonl";
	assay_error err = {0};
	store_batch b;
	if (group->from_batch && store_batch_by_name(s, group->from_batch, &b, &err) < 0) {
		cli_errorf("--from-batch: no batch named \"%s\"", group->from_batch);
		return EXIT_USAGE;
	}
	if (group->from_batch)
		store_batch_free(&b);
	const char *tmp = getenv("TMPDIR");
	snprintf(path, sizeof path, "%s/assay-pairs-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		cli_errorf("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return EXIT_FAIL;
	}
	ingest_group_result g;
	int rc = ingest_group_write(s, group, f, &g, &err);
	fclose(f);
	if (rc == ASSAY_OK && !g.pairs && !g.present)
		rc = assay_fail(&err, ASSAY_EFORMAT, "no two samples share a value of %s (%lld "
				"samples have it)", group->field, (long long)g.samples);
	if (rc == ASSAY_OK && !quiet)
		printf("grouped by %s: %lld samples, %lld groups, %lld pairs (%lld samples alone), "
		       "%lld new\n", group->field, (long long)g.samples, (long long)g.groups,
		       (long long)(g.pairs + g.present), (long long)g.alone, (long long)g.pairs);
	ingest_result r = {0};
	if (rc == ASSAY_OK && g.pairs) {
		rc = ingest_import(s, path, o, &r, &err);
		cli_progress_done(&ui->bar);
	}
	unlink(path);
	if (rc != ASSAY_OK && rc != ASSAY_EPARTIAL && rc != ASSAY_EINTR)
		return cli_fail(&err);
	if (!quiet && r.batch[0])
		summary("grouped pairs", &r);
	int code = cli_exit_code(rc);
	if (!a->no_score && rc != ASSAY_EINTR && r.imported + r.present > 0 && !stop_flag) {
		cli_import_scores *x; /* pairs are scored after their import */
		assay_error serr = {0};
		int sc = cli_import_scores_new(&x, &serr) < 0 ||
				 store_score_lock(s, &stop_flag, cli_score_waiting, NULL, &serr) < 0
			     ? cli_fail(&serr)
			     : cli_score_imported(s, x, &r.batch_id, 1, quiet, &stop_flag);
		cli_import_scores_free(x);
		code = code ? code : sc;
	}
	return code;
}

/* What goes together and what does not; 0 or the exit code. */
static int check_args(const cli_ctx *ctx, const args *a, int sources)
{
	if (a->group_extra && !a->group.field)
		return cli_usage_error(ctx, "--pairs-per-group, --seed and --from-batch go with "
					    "--group-by");
	if (a->group.field && sources)
		return cli_usage_error(ctx, "--group-by pairs up the samples already imported: it "
					    "takes no SOURCE");
	if (a->group.field && (a->o.pair_fields || a->o.text_field || a->o.id_field))
		return cli_usage_error(ctx, "--group-by makes the pairs: it goes without --pair, "
					    "--text and --id");
	if (!sources && !a->group.field)
		return cli_usage_error(ctx, "no source given (a file, - for standard input, or "
					    "an http(s) URL)");
	return 0;
}

/* How to finish an interrupted import. The same command finds a file's or
 * a URL's batch again by its source, and --batch names one; standard
 * input without --batch would go into a new batch, so the hint names the
 * batch to send the same input to again (what it has is skipped). */
static void say_interrupted(const char *source, const ingest_options *o, const ingest_result *r)
{
	if (strcmp(source, "-") != 0 || o->batch || !r->batch[0])
		cli_errorf("interrupted: what was read is saved; run the same command again to "
			   "finish");
	else
		cli_errorf("interrupted: what was read is saved in batch \"%s\"; to finish, send "
			   "the same input again with --batch \"%s\" (what is there already is "
			   "skipped)", r->batch, r->batch);
}

/* Imports each source in turn, then scores what came in (scores: NULL
 * with --no-score or when the configuration was refused, then score_err
 * says why). Returns the exit code: interrupted over failed over some
 * rejected. */
static int import_sources(store *s, args *a, int n, char **sources, import_ui *ui,
			  cli_import_scores *scores, const assay_error *score_err)
{
	int worst = 0, code;
	int64_t scored[64];
	size_t n_scored = 0;
	for (int i = 0; i < n && !stop_flag; i++) {
		ingest_result r;
		assay_error err = {0};
		int rc = ingest_import(s, sources[i], &a->o, &r, &err);
		cli_progress_done(&ui->bar);
		if (rc == ASSAY_OK || rc == ASSAY_EPARTIAL || rc == ASSAY_EINTR) {
			/* interrupted before the source opened: no batch to sum up */
			if ((!a->quiet || rc == ASSAY_EINTR) && r.batch[0])
				summary(sources[i], &r);
			if (rc == ASSAY_EINTR)
				say_interrupted(sources[i], &a->o, &r);
		} else {
			cli_fail(&err);
		}
		bool seen = false;
		for (size_t k = 0; k < n_scored; k++)
			seen |= scored[k] == r.batch_id;
		/* A batch with no record in it (every one refused) has nothing to score. */
		if ((rc == ASSAY_OK || rc == ASSAY_EPARTIAL) && !seen && n_scored < 64 &&
		    r.imported + r.present > 0)
			scored[n_scored++] = r.batch_id;
		code = cli_exit_code(rc);
		if (code == EXIT_INTR || (code != 0 && worst != EXIT_INTR && code != EXIT_DATA) ||
		    (code == EXIT_DATA && worst == 0))
			worst = code;
	}
	/* The built-in scorers, over what was imported, once it is all in. */
	if (!a->no_score && n_scored && !stop_flag) {
		code = scores ? cli_score_imported(s, scores, scored, n_scored, a->quiet, &stop_flag)
			      : cli_fail(score_err);
		if (code && (worst == 0 || code == EXIT_INTR))
			worst = code;
	}
	return worst;
}

/* Every file source is checked before the database is opened (or made):
 * a typo imports nothing and leaves no new database behind. Returns 0 or
 * the first failure's exit code, each failure said. */
static int check_sources(int n, char **sources)
{
	int code = 0;
	for (int i = 0; i < n; i++) {
		assay_error err = {0};
		if (ingest_source_check(sources[i], &err) < 0) {
			int c = cli_fail(&err);
			code = code ? code : c;
		}
	}
	return code;
}

int cmd_import(cli_ctx *ctx, int argc, char **argv)
{
	args a = {0};
	a.o.media_maps = a.maps;
	int first;
	int code = cli_opts_parse(ctx, &cli_import_opts, argc, argv, &a, &first);
	if (!code)
		code = check_args(ctx, &a, argc - first);
	if (!code)
		code = check_sources(argc - first, argv + first);
	if (code)
		return code == CLI_OPTS_DONE ? 0 : code;
	store *s = NULL;
	/* a batch job waits its turn behind another writer (another import's
	 * transaction) for up to ten minutes, not the screen's 15 s */
	code = cli_open_store(ctx, &(store_options){.busy_timeout_ms = 600000}, &s);
	if (code)
		return code;
	import_ui ui;
	cli_progress_init(&ui.bar);
	a.o.report = report;
	a.o.progress = progress;
	a.o.ud = &ui;
	a.o.stop = &stop_flag;
	a.o.qualify_line_ids = argc - first > 1;
	cli_catch_signals(on_signal);
	if (a.group.field) {
		code = group_import(s, &a, &ui);
		store_close(s);
		return code;
	}
	/* the built-in scorers run after the import */
	cli_import_scores *scores = NULL;
	assay_error serr = {0}; /* a bad configuration: said after the import, as before */
	if (!a.no_score)
		cli_import_scores_new(&scores, &serr);
	/* one score run at a time (PostgreSQL): the import's scores are one */
	assay_error lerr = {0};
	if (scores && store_score_lock(s, &stop_flag, cli_score_waiting, NULL, &lerr) < 0) {
		cli_import_scores_free(scores);
		store_close(s);
		return cli_fail(&lerr);
	}
	code = import_sources(s, &a, argc - first, argv + first, &ui, scores, &serr);
	cli_import_scores_free(scores);
	store_close(s);
	return code;
}
