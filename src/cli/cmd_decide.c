/* cmd_decide.c — `assay decide`: the review screen's decisions from a
 * script, one at a time or in bulk from JSONL, through the same store
 * transaction the screen uses. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/text.h"
#include "cli.h"

static const char help[] =
	"usage: assay decide [OPTIONS] ID accept|edit|reject|skip|note\n"
	"       assay decide [OPTIONS] --from FILE.jsonl\n"
	"       assay decide [OPTIONS] --undo\n"
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

static const char *str_field(const cJSON *o, const char *key, bool *bad)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v || cJSON_IsNull(v))
		return NULL;
	if (cJSON_IsString(v))
		return v->valuestring;
	*bad = true;
	return NULL;
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
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0, done = 0, refused = 0;
	int code = 0;
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len)
			continue;
		char why[1100] = "";
		size_t badpos;
		cJSON *o = NULL;
		if (!text_utf8_valid(line, (size_t)len, &badpos))
			snprintf(why, sizeof why, "invalid UTF-8 at byte %zu", badpos + 1);
		else if (!(o = cJSON_ParseWithLength(line, (size_t)len)) || !cJSON_IsObject(o))
			snprintf(why, sizeof why, "expected a JSON object");
		one d = {.annotator = annotator, .batch = batch};
		bool bad = false, numbad = false;
		char num[32]; /* a numeric id as text: d.id may point here */
		if (!why[0]) {
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
			if (cJSON_IsNumber(id)) {
				/* an integer id as imported (line numbers, numeric ids);
				 * beyond 2^53 a double no longer holds it exactly */
				double v = id->valuedouble;
				if (v >= -9007199254740992.0 && v <= 9007199254740992.0 &&
				    v == (double)(long long)v)
					snprintf(num, sizeof num, "%lld", (long long)v);
				else
					numbad = true;
				d.id = numbad ? NULL : num;
			} else {
				d.id = str_field(o, "id", &bad);
			}
			const char *verdict = str_field(o, "verdict", &bad);
			d.kind = kind_parse(verdict);
			d.reason = str_field(o, "reason", &bad);
			d.text = str_field(o, "text", &bad);
			const char *a = str_field(o, "annotator", &bad);
			const char *b = str_field(o, "batch", &bad);
			d.annotator = a ? a : annotator;
			d.batch = b ? b : batch;
			d.adjudicate = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "adjudicate"));
			if (numbad)
				snprintf(why, sizeof why, "\"id\": expected a string or an integer "
					 "(at most 2^53)");
			else if (bad)
				snprintf(why, sizeof why, "id, verdict, reason, text, annotator and batch "
					 "must be strings");
			else if (!d.id)
				snprintf(why, sizeof why, "no \"id\"");
			else if (d.kind < 0)
				snprintf(why, sizeof why, "\"verdict\": expected accept, edit, reject, "
					 "skip or note");
			else if (!d.annotator)
				snprintf(why, sizeof why, "no annotator (give \"annotator\" or "
					 "--annotator)");
		}
		assay_error err = {0};
		if (!why[0] && decide_one(s, &d, &err) < 0) {
			snprintf(why, sizeof why, "%s", err.msg);
			if (err.code == ASSAY_EBUSY || err.code == ASSAY_EIO || err.code == ASSAY_EFULL) {
				cJSON_Delete(o);
				cli_errorf("%s:%ld: %s", name, lineno, why);
				code = cli_exit_code(err.code);
				break; /* the database itself failed: stop here */
			}
		}
		cJSON_Delete(o);
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
	free(line);
	if (f != stdin)
		fclose(f);
	printf("%ld decisions recorded, %ld refused\n", done, refused);
	return code ? code : refused ? EXIT_DATA : 0;
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
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	one d = {.annotator = getenv("ASSAY_ANNOTATOR")};
	if (!d.annotator || !*d.annotator)
		d.annotator = getenv("USER");
	const char *from = NULL;
	bool undo = false;
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
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	int npos = argc - optind;
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
		int64_t annotator, sample;
		int rc = store_annotator_ensure(s, d.annotator, &annotator, &err);
		if (rc == ASSAY_OK)
			rc = store_undo(s, annotator, "decide", &sample, &err);
		if (rc < 0) {
			code = cli_fail(&err);
		} else {
			store_sample smp;
			if (store_sample_get(s, sample, &smp, &err) == ASSAY_OK) {
				fputs("undid the latest decision on ", stdout);
				cli_put_safe(stdout, smp.ext_id);
				putchar('\n');
				store_sample_free(&smp);
			}
		}
	} else if (decide_one(s, &d, &err) < 0) {
		code = cli_fail(&err);
	}
	store_close(s);
	return code;
}
