/* cmd_import.c — `assay import SOURCE...`: files, stdin (-) or URLs into
 * the database, with a per-line report of what was refused. */
#include <errno.h>
#include <getopt.h>
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

static const char help[] =
	"usage: assay import [OPTIONS] SOURCE...\n"
	"       assay import --group-by FIELD [--pairs-per-group N] [--seed N]\n"
	"                    [--from-batch B] [--batch NAME]\n"
	"\n"
	"Imports samples from each SOURCE: a file, - for standard input, or an\n"
	"http(s) URL (streamed). Bad records are skipped and reported as\n"
	"FILE:LINE: reason; exact duplicates (same text after normalization) are\n"
	"dropped and counted. Importing the same source into the same batch\n"
	"again adds only what is new, so an interrupted import is finished by\n"
	"running it again.\n"
	"\n"
	"Options:\n"
	"  --format FMT     jsonl, json (an array) or csv (with a header row);\n"
	"                   default: by extension (.csv, .json), else jsonl\n"
	"  --text FIELD     the field holding the sample text (dotted paths such\n"
	"                   as meta.caption work); default: the first present of\n"
	"                   text, caption, output, response, completion\n"
	"  --id FIELD       the field holding the sample id; default: id when\n"
	"                   present, else the line number\n"
	"  --batch NAME     the batch to import into (created when new); default:\n"
	"                   the batch this source was last imported into, else\n"
	"                   NAME@TIME from the file name\n"
	"  --meta FIELDS    comma-separated fields annotators see beside the text;\n"
	"                   default: all fields but the text\n"
	"  --context FIELDS comma-separated fields the text is judged against\n"
	"                   (kept with the sample, seen by scorers and the judge);\n"
	"                   default: the first present of instruction (with\n"
	"                   input), prompt, question, query, user_query, system;\n"
	"                   \"\" for none. A record with messages (role/content)\n"
	"                   or conversations (from/value) is a conversation: the\n"
	"                   last assistant turn is the text, earlier turns its\n"
	"                   context\n"
	"  --turn N         review turn N (0 is the first) of each conversation\n"
	"  --kind KIND      caption, response or text: the scorers' rules; default:\n"
	"                   by the text field's name (caption, alt_text, ...)\n"
	"  --dedup-on WHAT  what makes two records exact duplicates: text,\n"
	"                   context+text (the default: the text alone when a\n"
	"                   record has no context) or none\n"
	"  --media FIELDS   comma-separated fields naming each sample's picture or\n"
	"                   video (dotted paths work); default: the first present\n"
	"                   of image, image_path, image_url, img, video,\n"
	"                   video_path, video_url, media, file, path, at the top\n"
	"                   level, else in nested objects (meta.source.uri)\n"
	"  --media-root DIR relative media paths resolve inside DIR (default: the\n"
	"                   source file's directory); `assay batch set-media-root`\n"
	"                   changes it later\n"
	"  --media-map PREFIX=URL_PREFIX\n"
	"                   read media starting with PREFIX (s3://bucket/) from\n"
	"                   URL_PREFIX (https://host/) instead; repeatable\n"
	"  --pair A,B       each record holds two candidates for one prompt, in\n"
	"                   fields A and B (strings or message lists); without it a\n"
	"                   record with no text field but chosen,rejected,\n"
	"                   response_a,response_b, output_1,output_2 or\n"
	"                   completion_a,completion_b is read as such a pair. A\n"
	"                   \"chosen\" field is kept as the record's claim\n"
	"  --pair-model A,B the fields naming each candidate's generator model\n"
	"                   (default: A_model, else model_SUFFIX: model_a)\n"
	"  --group-by FIELD pair up the samples already imported one per record\n"
	"                   whose FIELD is the same (one prompt's generations),\n"
	"                   into --batch (default: pairs-by-FIELD); their model\n"
	"                   is the record's model, else meta.model. No SOURCE\n"
	"  --pairs-per-group N\n"
	"                   at most N pairs of each group, chosen by a hash of\n"
	"                   --seed and both ids (default: every pair)\n"
	"  --seed N         which pairs --pairs-per-group keeps (default 0)\n"
	"  --from-batch B   pair up only the samples of batch B\n"
	"  --max-line SIZE  longest record accepted (default 16M; K, M, G suffixes)\n"
	"  --strict         any bad record aborts the import of its source, leaving\n"
	"                   the database exactly as it was\n"
	"  --no-score       do not run the built-in scorers after the import\n"
	"  --quiet          no summary lines\n"
	"  -h, --help       this help\n"
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
	char line[1024];
	snprintf(line, sizeof line,
		 "%s: batch \"%s\"%s: %lld read, %lld imported, %lld duplicate, %lld rejected",
		 strcmp(source, "-") == 0 ? "stdin" : source, r->batch,
		 r->resumed ? " (existing)" : "", (long long)r->read, (long long)r->imported,
		 (long long)r->duplicate, (long long)r->rejected);
	cli_put_safe(stdout, line);
	if (r->present)
		printf(", %lld already present", (long long)r->present);
	putchar('\n');
	fflush(stdout);
}

/* The options of what a sample is judged against: --context, --turn,
 * --kind, --dedup-on, --pair, --pair-model. Returns 0 or an exit code. */
static int context_option(cli_ctx *ctx, int c, ingest_options *o)
{
	switch (c) {
	case 'c':
		o->context_fields = optarg;
		break;
	case 'T': {
		char *end;
		long t = strtol(optarg, &end, 10);
		if (end == optarg || *end || t < 0 || t > 1000000)
			return cli_usage_error(ctx, "--turn: expected a turn number (0 is "
						    "the first), got \"%s\"", optarg);
		o->turn = (int)t;
		o->turn_set = true;
		break;
	}
	case 'k':
		if (strcmp(optarg, "caption") && strcmp(optarg, "response") &&
		    strcmp(optarg, "text"))
			return cli_usage_error(ctx, "--kind: expected caption, response or "
						    "text, got \"%s\"", optarg);
		o->kind = optarg;
		break;
	case 'p':
	case 'Q': {
		const char *comma = strchr(optarg, ',');
		if (!comma || comma == optarg || !comma[1] || strchr(comma + 1, ','))
			return cli_usage_error(ctx, "--pair%s: expected two field names separated "
						    "by a comma, got \"%s\"", c == 'Q' ? "-model" : "",
					       optarg);
		*(c == 'p' ? &o->pair_fields : &o->pair_model_fields) = optarg;
		break;
	}
	case 'd':
		if (strcmp(optarg, "text") && strcmp(optarg, "context+text") &&
		    strcmp(optarg, "none"))
			return cli_usage_error(ctx, "--dedup-on: expected text, context+text "
						    "or none, got \"%s\"", optarg);
		o->dedup_on = optarg;
		break;
	}
	return 0;
}

#define MAX_MAPS 32

/* --media, --media-root and --media-map, checked; maps collects the
 * rules (kept in argv). Returns 0 or an exit code. */
static int media_option(cli_ctx *ctx, int c, ingest_options *o, const char **maps)
{
	if (c == 'M') {
		if (!optarg[strspn(optarg, " ,")])
			return cli_usage_error(ctx, "--media: expected field names, got \"%s\"",
					       optarg);
		o->media_fields = optarg;
	} else if (c == 'R') {
		static char root[PATH_MAX];
		struct stat st;
		if (!realpath(optarg, root) || stat(root, &st) < 0 || !S_ISDIR(st.st_mode))
			return cli_usage_error(ctx, "--media-root %s: not a directory", optarg);
		o->media_root = root;
	} else {
		char copy[4096];
		media_map m;
		assay_error e = {0};
		snprintf(copy, sizeof copy, "%s", optarg);
		if (media_parse_map(copy, &m, &e) < 0)
			return cli_usage_error(ctx, "%s", e.msg);
		if (o->n_media_maps == MAX_MAPS)
			return cli_usage_error(ctx, "--media-map: at most %d rules", MAX_MAPS);
		maps[o->n_media_maps++] = optarg;
	}
	return 0;
}

/* import --group-by's options (kept apart: they take no SOURCE). */
static ingest_group_options group;
static bool group_extra; /* --pairs-per-group, --seed or --from-batch given */

static int group_option(cli_ctx *ctx, int c)
{
	char *end;
	long long v = 0;
	if (c == 'N' || c == 'S') {
		errno = 0;
		v = strtoll(optarg, &end, 10);
		bool bad = end == optarg || *end || errno || v < 0;
		if (c == 'N' && (bad || v < 1 || v > INGEST_GROUP_PAIRS_MAX))
			return cli_usage_error(ctx, "--pairs-per-group: expected a number of pairs "
						    "from 1 to %d, got \"%s\"",
					       INGEST_GROUP_PAIRS_MAX, optarg);
		if (bad)
			return cli_usage_error(ctx, "--seed: expected a whole number from 0, got "
						    "\"%s\"", optarg);
	}
	if (c == 'G' && !*optarg)
		return cli_usage_error(ctx, "--group-by: the field name is empty");
	if (c == 'F' && !*optarg)
		return cli_usage_error(ctx, "--from-batch: the batch name is empty");
	group_extra |= c != 'G';
	if (c == 'G')
		group.field = optarg;
	else if (c == 'F')
		group.from_batch = optarg;
	else if (c == 'N')
		group.per_group = v;
	else
		group.seed = (uint64_t)v;
	return 0;
}

static const struct option longopts[] = {
	{"format", required_argument, NULL, 'f'},
	{"text", required_argument, NULL, 't'},
	{"id", required_argument, NULL, 'i'},
	{"batch", required_argument, NULL, 'b'},
	{"meta", required_argument, NULL, 'm'},
	{"context", required_argument, NULL, 'c'},
	{"turn", required_argument, NULL, 'T'},
	{"kind", required_argument, NULL, 'k'},
	{"dedup-on", required_argument, NULL, 'd'},
	{"media", required_argument, NULL, 'M'},
	{"media-root", required_argument, NULL, 'R'},
	{"media-map", required_argument, NULL, 'P'},
	{"pair", required_argument, NULL, 'p'},
	{"pair-model", required_argument, NULL, 'Q'},
	{"group-by", required_argument, NULL, 'G'},
	{"pairs-per-group", required_argument, NULL, 'N'},
	{"seed", required_argument, NULL, 'S'},
	{"from-batch", required_argument, NULL, 'F'},
	{"max-line", required_argument, NULL, 'L'},
	{"strict", no_argument, NULL, 's'},
	{"quiet", no_argument, NULL, 'q'},
	{"no-score", no_argument, NULL, 'n'},
	{"help", no_argument, NULL, 'h'},
	{0},
};

/* Parses the options into o; returns -1 to go on, else the exit code. */
static int parse_options(cli_ctx *ctx, int argc, char **argv, ingest_options *o, bool *quiet,
			 bool *score)
{
	static const char *maps[MAX_MAPS];
	o->media_maps = maps;
	int c, code;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "jsonl") && strcmp(optarg, "json") && strcmp(optarg, "csv"))
				return cli_usage_error(ctx, "--format: expected jsonl, json or csv, "
							    "got \"%s\"", optarg);
			o->format = optarg;
			break;
		case 't':
			o->text_field = optarg;
			break;
		case 'i':
			o->id_field = optarg;
			break;
		case 'b':
			if (!*optarg)
				return cli_usage_error(ctx, "--batch: the name is empty");
			o->batch = optarg;
			break;
		case 'm':
			o->meta_fields = optarg;
			break;
		case 'c':
		case 'T':
		case 'k':
		case 'd':
		case 'p':
		case 'Q':
			if ((code = context_option(ctx, c, o)) != 0)
				return code;
			break;
		case 'M':
		case 'R':
		case 'P':
			if ((code = media_option(ctx, c, o, maps)) != 0)
				return code;
			break;
		case 'G':
		case 'N':
		case 'S':
		case 'F':
			if ((code = group_option(ctx, c)) != 0)
				return code;
			break;
		case 'L':
			if (!cli_parse_size(optarg, &o->max_line))
				return cli_usage_error(ctx, "--max-line: expected a size such as 16M, "
							    "got \"%s\"", optarg);
			break;
		case 's':
			o->strict = true;
			break;
		case 'q':
			*quiet = true;
			break;
		case 'n':
			*score = false;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	return -1;
}

/* Writes the pairs of import --group-by into a private temporary file and
 * imports it as a pair file into the batch. Returns the exit code. */
static int group_import(store *s, ingest_options *o, import_ui *ui, bool quiet, bool score)
{
	char name[300], path[4096];
	snprintf(name, sizeof name, "pairs-by-%s", group.field);
	group.into_batch = o->batch ? o->batch : name;
	o->batch = group.into_batch;
	o->format = "jsonl";
	assay_error err = {0};
	store_batch b;
	if (group.from_batch && store_batch_by_name(s, group.from_batch, &b, &err) < 0) {
		cli_errorf("--from-batch: no batch named \"%s\"", group.from_batch);
		return EXIT_USAGE;
	}
	if (group.from_batch)
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
	int rc = ingest_group_write(s, &group, f, &g, &err);
	fclose(f);
	if (rc == ASSAY_OK && !g.pairs && !g.present)
		rc = assay_fail(&err, ASSAY_EFORMAT, "no two samples share a value of %s (%lld "
				"samples have it)", group.field, (long long)g.samples);
	if (rc == ASSAY_OK && !quiet)
		printf("grouped by %s: %lld samples, %lld groups, %lld pairs (%lld samples alone), "
		       "%lld new\n", group.field, (long long)g.samples, (long long)g.groups,
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
	if (score && rc != ASSAY_EINTR && r.imported + r.present > 0 && !stop_flag) {
		int sc = cli_score_imported(s, &r.batch_id, 1, quiet, &stop_flag);
		code = code ? code : sc;
	}
	return code;
}

int cmd_import(cli_ctx *ctx, int argc, char **argv)
{
	ingest_options o = {0};
	bool quiet = false, score = true;
	int code = parse_options(ctx, argc, argv, &o, &quiet, &score);
	if (code >= 0)
		return code;
	if (group_extra && !group.field)
		return cli_usage_error(ctx, "--pairs-per-group, --seed and --from-batch go with "
					    "--group-by");
	if (group.field && optind < argc)
		return cli_usage_error(ctx, "--group-by pairs up the samples already imported: it "
					    "takes no SOURCE");
	if (group.field && (o.pair_fields || o.text_field || o.id_field))
		return cli_usage_error(ctx, "--group-by makes the pairs: it goes without --pair, "
					    "--text and --id");
	if (optind == argc && !group.field)
		return cli_usage_error(ctx, "no source given (a file, - for standard input, or "
					    "an http(s) URL)");
	store *s = NULL;
	code = cli_open_store(ctx, NULL, &s);
	if (code)
		return code;
	import_ui ui;
	cli_progress_init(&ui.bar);
	o.report = report;
	o.progress = progress;
	o.ud = &ui;
	o.stop = &stop_flag;
	o.qualify_line_ids = argc - optind > 1;
	cli_catch_signals(on_signal);
	if (group.field) {
		code = group_import(s, &o, &ui, quiet, score);
		store_close(s);
		return code;
	}
	int worst = 0;
	int64_t scored[64];
	size_t n_scored = 0;
	for (int i = optind; i < argc && !stop_flag; i++) {
		ingest_result r;
		assay_error err = {0};
		int rc = ingest_import(s, argv[i], &o, &r, &err);
		cli_progress_done(&ui.bar);
		if (rc == ASSAY_OK || rc == ASSAY_EPARTIAL || rc == ASSAY_EINTR) {
			/* interrupted before the source opened: no batch to sum up */
			if ((!quiet || rc == ASSAY_EINTR) && r.batch[0])
				summary(argv[i], &r);
			if (rc == ASSAY_EINTR)
				cli_errorf("interrupted: what was read is saved; run the same "
					   "command again to finish");
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
	if (score && n_scored && !stop_flag) {
		code = cli_score_imported(s, scored, n_scored, quiet, &stop_flag);
		if (code && (worst == 0 || code == EXIT_INTR))
			worst = code;
	}
	store_close(s);
	return worst;
}
