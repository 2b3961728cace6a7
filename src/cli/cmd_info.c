/* cmd_info.c — `assay info`: what is in the database, as a table or JSON. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assay/text.h"
#include "cli.h"
#include "opt.h"

typedef struct info_args {
	bool json, check, full;
	cli_where where;
} info_args;

static const cli_opt info_rows[] = {
	CLI_FLAG("json", 0, info_args, json, "machine-readable output"),
	CLI_FLAG("check", 0, info_args, check,
		 "instead, check the file: every page and b-tree is read\n"
		 "(SQLite's quick_check; a few seconds per GB; on a\n"
		 "PostgreSQL server every row of every table). Exit 0 when\n"
		 "it is whole, 65 with the problems found when it is not"),
	CLI_FLAG("full", 0, info_args, full,
		 "with --check: also that every index matches its table\n"
		 "(integrity_check; slower; on a server, the rows read\n"
		 "through an index counted against those read whole)"),
	CLI_WHERE(info_args, where,
		  "instead, count a slice: how many samples the expression\n"
		  "selects (the language of review, export and stats), and\n"
		  "how many of them are decided (a skip is no decision)"),
	CLI_HELP(),
	CLI_END(),
};

const cli_opts cli_info_opts = {
	.head = "usage: assay info [--json] [--check [--full] | --where EXPR]\n"
		"\n"
		"Shows the database's batches (samples imported, duplicates dropped,\n"
		"records rejected, decisions by verdict), the scorers that have run, and\n"
		"totals.\n"
		"\n",
	.rows = info_rows,
	.column = 14,
};

static int check(const cli_ctx *ctx, store *s, bool full, bool json)
{
	char **problems = NULL;
	size_t n = 0;
	assay_error err = {0};
	int64_t t0 = assay_mono_ns();
	if (store_check(s, full, &problems, &n, &err) < 0)
		return cli_fail(&err);
	double secs = (double)(assay_mono_ns() - t0) / 1e9;
	store_check_text words;
	store_check_words(s, full, &words);
	const char *how = words.how;
	if (json) {
		cJSON *o = cJSON_CreateObject();
		cJSON *list = cJSON_AddArrayToObject(o, "problems");
		cJSON_AddBoolToObject(o, "ok", n == 0);
		cJSON_AddStringToObject(o, "check", how);
		cJSON_AddNumberToObject(o, "seconds", secs);
		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(list, cJSON_CreateString(problems[i]));
		char *text = cJSON_PrintUnformatted(o);
		if (text)
			puts(text);
		free(text);
		cJSON_Delete(o);
	} else if (n == 0) {
		cli_put_safe(stdout, store_path(s));
		printf(": %s (%s, %.1f s)\n", words.whole, how, secs);
	} else {
		for (size_t i = 0; i < n; i++) {
			cli_put_safe(stdout, problems[i]);
			putchar('\n');
		}
	}
	int code = 0;
	if (n) {
		assay_fail(&err, ASSAY_ENOTDB,
			   "%s: %s: %s found %s%zu problem%s (first: %.200s); %s",
			   store_path(s), words.damaged, how, n == STORE_CHECK_MAX ? "at least " : "",
			   n, n == 1 ? "" : "s", problems[0], words.salvage);
		code = cli_fail(&err);
	}
	store_strings_free(problems, n);
	return code;
}

/* info --where: the slice's counts. */
static int slice(store *s, const cli_where *w, bool json)
{
	int64_t n, decided;
	assay_error err = {0};
	if (store_where_tally(s, &w->w, &n, &decided, &err) < 0)
		return cli_fail(&err);
	if (json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "where", w->text);
		cJSON_AddNumberToObject(o, "samples", (double)n);
		cJSON_AddNumberToObject(o, "decided", (double)decided);
		cJSON_AddNumberToObject(o, "undecided", (double)(n - decided));
		char *text = cJSON_Print(o);
		cJSON_Delete(o);
		if (!text)
			return EXIT_FAIL;
		puts(text);
		free(text);
		return 0;
	}
	printf("where     ");
	cli_put_safe(stdout, w->text);
	printf("\nsamples   %lld (%lld decided, %lld undecided)\n", (long long)n, (long long)decided,
	       (long long)(n - decided));
	return 0;
}

static void fmt_time(int64_t ms, char *out, size_t cap)
{
	if (!ms) {
		snprintf(out, cap, "-");
		return;
	}
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, cap, "%Y-%m-%d %H:%M:%SZ", &tm);
}

/* accepted, edited and rejected count decisions (one per annotator and
 * sample), decided and undecided count samples: a batch's decisions. */
static int64_t batch_decisions(const store_info_batch *b)
{
	return b->accepted + b->edited + b->rejected;
}

static int64_t all_decisions(const store_info *in)
{
	int64_t n = 0;
	for (size_t i = 0; i < in->n_batches; i++)
		n += batch_decisions(&in->batches[i]);
	return n;
}

static int print_json(const store_info *in)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "schema_version", in->schema_version);
	cJSON_AddNumberToObject(root, "file_bytes", (double)in->file_bytes);
	cJSON_AddNumberToObject(root, "samples", (double)in->samples);
	cJSON_AddNumberToObject(root, "decided", (double)in->decided);
	cJSON_AddNumberToObject(root, "undecided", (double)(in->samples - in->decided));
	cJSON_AddNumberToObject(root, "decisions", (double)all_decisions(in));
	cJSON_AddNumberToObject(root, "annotators", (double)in->annotators);
	cJSON_AddNumberToObject(root, "events", (double)in->events);
	cJSON *batches = cJSON_AddArrayToObject(root, "batches");
	for (size_t i = 0; i < in->n_batches; i++) {
		const store_info_batch *b = &in->batches[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", b->batch.name);
		cJSON_AddStringToObject(o, "source", b->batch.source);
		cJSON_AddStringToObject(o, "format", b->batch.format);
		/* the declared kind (--kind); null: guessed from the text field's name */
		if (b->batch.kind && b->batch.kind[0])
			cJSON_AddStringToObject(o, "kind", b->batch.kind);
		else
			cJSON_AddNullToObject(o, "kind");
		cJSON_AddStringToObject(o, "dedup_on", b->batch.dedup_on && b->batch.dedup_on[0]
							    ? b->batch.dedup_on
							    : "context+text");
		/* where its media are: "" for the default field names, the
		 * source file's directory, no map */
		cJSON_AddStringToObject(o, "media_fields", b->batch.media_fields);
		cJSON_AddStringToObject(o, "media_root", b->batch.media_root);
		cJSON *maps = b->batch.media_maps[0] ? cJSON_Parse(b->batch.media_maps) : NULL;
		cJSON_AddItemToObject(o, "media_maps", maps ? maps : cJSON_CreateArray());
		cJSON_AddNumberToObject(o, "created_at_ms", (double)b->batch.created_at);
		cJSON_AddBoolToObject(o, "complete", b->batch.finished_at != 0);
		cJSON_AddNumberToObject(o, "read", (double)b->batch.n_read);
		cJSON_AddNumberToObject(o, "samples", (double)b->samples);
		cJSON_AddNumberToObject(o, "duplicates", (double)b->batch.n_duplicate);
		cJSON_AddNumberToObject(o, "rejected_records", (double)b->batch.n_rejected);
		cJSON_AddNumberToObject(o, "scored", (double)b->scored);
		cJSON_AddNumberToObject(o, "decided", (double)b->decided);
		cJSON_AddNumberToObject(o, "undecided", (double)(b->samples - b->decided));
		cJSON_AddNumberToObject(o, "decisions", (double)batch_decisions(b));
		cJSON_AddNumberToObject(o, "accepted", (double)b->accepted);
		cJSON_AddNumberToObject(o, "edited", (double)b->edited);
		cJSON_AddNumberToObject(o, "rejected", (double)b->rejected);
		cJSON_AddItemToArray(batches, o);
	}
	cJSON *scorers = cJSON_AddArrayToObject(root, "scorers");
	for (size_t i = 0; i < in->n_scorers; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", in->scorers[i].name);
		cJSON_AddStringToObject(o, "version", in->scorers[i].version);
		cJSON_AddNumberToObject(o, "samples", (double)in->scorers[i].samples);
		cJSON_AddNumberToObject(o, "flagged", (double)in->scorers[i].flagged);
		cJSON_AddNumberToObject(o, "failed", (double)in->scorers[i].failed);
		cJSON_AddItemToArray(scorers, o);
	}
	char *text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		return EXIT_FAIL;
	puts(text);
	free(text);
	return 0;
}

/* What was declared at import beyond the defaults: kind, context fields,
 * what duplicates are keyed on. */
static void print_kinds(const store_info *in)
{
	bool first = true;
	for (size_t i = 0; i < in->n_batches; i++) {
		const store_batch *b = &in->batches[i].batch;
		bool kind = b->kind && b->kind[0], ctx = b->context_fields && b->context_fields[0],
		     dedup = b->dedup_on && b->dedup_on[0];
		if (!kind && !ctx && !dedup)
			continue;
		char line[1024];
		snprintf(line, sizeof line, "%.64s: kind %s%s%.200s%s%s", b->name,
			 kind ? b->kind : "(by field name)", ctx ? ", context " : "",
			 ctx ? b->context_fields : "", dedup ? ", duplicates on " : "",
			 dedup ? b->dedup_on : "");
		if (first)
			putchar('\n');
		first = false;
		cli_put_safe(stdout, line);
		putchar('\n');
	}
}

/* Batch names are shown whole, however long (--batch needs the whole
 * name), in a column as wide as the widest. */
static size_t names_width(const store_info *in)
{
	size_t w = strlen("batch");
	for (size_t i = 0; i < in->n_batches; i++) {
		char *safe = text_sanitize_line(in->batches[i].batch.name,
						strlen(in->batches[i].batch.name));
		if (safe)
			w = ASSAY_MAX(w, text_width(safe, strlen(safe)));
		free(safe);
	}
	return w;
}

/* Writes a batch name made safe; its display width. */
static size_t put_name(const char *name)
{
	char *safe = text_sanitize_line(name, strlen(name));
	fputs(safe ? safe : "?", stdout);
	size_t w = safe ? text_width(safe, strlen(safe)) : 1;
	free(safe);
	return w;
}

static void print_table(const char *db, const store_info *in)
{
	printf("database  ");
	cli_put_safe(stdout, db);
	printf(" (schema %d, %.1f MB)\n", in->schema_version, (double)in->file_bytes / 1e6);
	printf("samples   %lld (%lld decided, %lld undecided) by %lld annotators, %lld decisions, "
	       "%lld events\n",
	       (long long)in->samples, (long long)in->decided,
	       (long long)(in->samples - in->decided), (long long)in->annotators,
	       (long long)all_decisions(in), (long long)in->events);
	if (in->n_batches) {
		int nw = (int)names_width(in);
		printf("\n%-*s %9s %7s %7s %9s %9s %8s %8s %8s  %s\n", nw, "batch", "samples", "dupes",
		       "bad", "undecided", "decisions", "accepted", "edited", "rejected", "imported");
		for (size_t i = 0; i < in->n_batches; i++) {
			const store_info_batch *b = &in->batches[i];
			char when[40];
			fmt_time(b->batch.created_at, when, sizeof when);
			int pad = nw - (int)put_name(b->batch.name);
			printf("%*s %9lld %7lld %7lld %9lld %9lld %8lld %8lld %8lld  %s%s\n",
			       pad > 0 ? pad : 0, "", (long long)b->samples,
			       (long long)b->batch.n_duplicate, (long long)b->batch.n_rejected,
			       (long long)(b->samples - b->decided), (long long)batch_decisions(b),
			       (long long)b->accepted, (long long)b->edited, (long long)b->rejected,
			       when, b->batch.finished_at ? "" : " (interrupted)");
		}
		printf("undecided: samples without a verdict; decisions: one per annotator and "
		       "sample, accepted + edited + rejected\n");
		print_kinds(in);
	} else {
		printf("\nno batches yet: add samples with 'assay import FILE'\n");
	}
	if (in->n_scorers) {
		printf("\n%-16s %-10s %9s %9s %9s\n", "scorer", "version", "samples", "flagged",
		       "failed");
		for (size_t i = 0; i < in->n_scorers; i++) {
			const store_info_scorer *sc = &in->scorers[i];
			printf("%-16s %-10s %9lld %9lld %9lld\n", sc->name, sc->version,
			       (long long)sc->samples, (long long)sc->flagged, (long long)sc->failed);
		}
	} else if (in->n_batches) {
		printf("\nno scores yet: run 'assay score'\n");
	}
}

/* The options' combinations the table cannot say; 0 or the exit code. */
static int check_args(const cli_ctx *ctx, const info_args *a)
{
	if (a->full && !a->check)
		return cli_usage_error(ctx, "--full goes with --check");
	if (a->check && a->where.set)
		return cli_usage_error(ctx, "--where counts a slice: not with --check");
	return 0;
}

int cmd_info(cli_ctx *ctx, int argc, char **argv)
{
	info_args a = {0};
	int code = cli_opts_parse(ctx, &cli_info_opts, argc, argv, &a, NULL);
	if (!code)
		code = check_args(ctx, &a);
	store *s = NULL;
	store_options so = {.readonly = true, .must_exist = a.check};
	if (code || (code = cli_open_store(ctx, &so, &s))) {
		cli_where_free(&a.where);
		return code == CLI_OPTS_DONE ? 0 : code;
	}
	if (a.check || a.where.set) {
		code = a.check ? check(ctx, s, a.full, a.json) : slice(s, &a.where, a.json);
		cli_where_free(&a.where);
		store_close(s);
		return code;
	}
	store_info in;
	assay_error err = {0};
	if (store_info_get(s, &in, &err) < 0) {
		store_close(s);
		return cli_fail(&err);
	}
	code = a.json ? print_json(&in) : (print_table(store_path(s), &in), 0);
	store_info_free(&in);
	store_close(s);
	return code;
}
