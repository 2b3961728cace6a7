/* review_script.c — `assay review --script`: the review engine's queue
 * without the screen, for scripts and load tests. Commands come one per
 * line on standard input; each is answered on standard output once what
 * it did is stored (committed), so a line read back is a decision that
 * survives a crash:
 *   next            claims the next sample of the queue (its lease, as the
 *                   screen takes one): "sample ID", or "empty" and the end
 *   accept | skip   decides the claimed sample: "decided ID VERDICT"
 *   reject REASON   the same with the reason
 *   edit TEXT       the same with the corrected text
 *   prefer P [REASON]  decides a claimed pair: P is a, b, tie or both-bad
 *                   (the candidates as imported; both-bad is a rejection,
 *                   the reason optional): "decided ID VERDICT P"
 *   undo            undoes the annotator's latest verdict: "undone ID"
 * ID is the sample's id as imported, the one `decide ID` takes (no sample
 * text is printed); one that is not all printable ASCII without spaces,
 * quotes or backslashes is written as a JSON string (put_id). A bad line,
 * or a decision the store refuses, ends the run naming its line. The
 * leases left are released at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/text.h"
#include "cli.h"
#include "review_script.h"

typedef struct run {
	store *s;
	store_queue q;
	store_cursor cur;
	int64_t claimed; /* 0: none */
	char *claimed_id; /* its external id */
	long line;
} run;

static int bad_line(const run *r, const char *what)
{
	cli_errorf("standard input, line %ld: %s (expected next, accept, skip, reject REASON, "
		   "edit TEXT, prefer a|b|tie|both-bad [REASON] or undo)", r->line, what);
	return EXIT_USAGE;
}

/* What the store refused or failed at, naming the line: the exit code. */
static int failed_line(const run *r, const assay_error *err)
{
	cli_errorf("standard input, line %ld: %s", r->line, err->msg);
	return cli_exit_code(err->code);
}

/* An id that may hold anything (spaces, quotes, newlines, escapes, any
 * script) stays one parseable word that is safe on a terminal: bare when
 * it is printable ASCII without a space, a double quote or a backslash,
 * else a JSON string with every character outside printable ASCII
 * escaped (\uXXXX, a surrogate pair past U+FFFF; an invalid byte, which
 * import never stores, as U+FFFD). */
static void put_id(const char *id)
{
	size_t n = strlen(id), i = 0;
	while (i < n && id[i] > ' ' && id[i] < 0x7f && id[i] != '"' && id[i] != '\\')
		i++;
	if (n && i == n) {
		fputs(id, stdout);
		return;
	}
	putchar('"');
	for (i = 0; i < n;) {
		uint32_t cp;
		bool valid;
		i += text_utf8_next(id + i, n - i, &cp, &valid);
		if (cp == '"' || cp == '\\')
			printf("\\%c", (char)cp);
		else if (cp >= ' ' && cp < 0x7f)
			putchar((char)cp);
		else if (cp > 0xFFFF)
			printf("\\u%04x\\u%04x", 0xD800 + ((cp - 0x10000) >> 10),
			       0xDC00 + ((cp - 0x10000) & 0x3FF));
		else
			printf("\\u%04x", cp);
	}
	putchar('"');
}

/* "WORD ID" and the end of the line is the caller's. */
static int put_sample(const run *r, const char *word, int64_t id)
{
	char *ext = NULL;
	assay_error err = {0};
	if (store_sample_ext_id(r->s, id, &ext, &err) < 0)
		return failed_line(r, &err);
	printf("%s ", word);
	put_id(ext);
	free(ext);
	return 0;
}

/* A verdict on the claimed sample (pref: on a pair, the preference; else
 * STORE_PREF_NONE): 0, or the exit code. */
static int verdict(run *r, int kind, int pref, const char *arg)
{
	if (!r->claimed)
		return bad_line(r, "no sample claimed: `next` first");
	store_decision_in in = {.sample_id = r->claimed, .annotator_id = r->q.annotator_id,
				.kind = kind, .pref = pref,
				.text = kind == STORE_EDIT ? arg : NULL,
				.reason = kind == STORE_REJECT || pref ? arg : NULL};
	int64_t event_id;
	assay_error err = {0};
	if (store_decide(r->s, &in, &event_id, &err) < 0)
		return failed_line(r, &err);
	static const char *const names[] = {[STORE_ACCEPT] = "accepted", [STORE_EDIT] = "edited",
					    [STORE_REJECT] = "rejected", [STORE_SKIP] = "skipped"};
	fputs("decided ", stdout);
	put_id(r->claimed_id);
	printf(" %s%s%s\n", names[kind], pref ? " " : "", pref ? store_pref_name(pref) : "");
	r->claimed = 0;
	free(r->claimed_id);
	r->claimed_id = NULL;
	return 0;
}

/* `prefer P [REASON]` on a claimed pair: both-bad is a rejection, the
 * others an acceptance of the candidate (or of both: tie). */
static int prefer(run *r, char *arg)
{
	char *reason = arg ? strchr(arg, ' ') : NULL;
	if (reason)
		*reason++ = '\0';
	int pref = arg ? store_pref_parse(arg) : STORE_PREF_NONE;
	if (pref == STORE_PREF_NONE)
		return bad_line(r, "prefer: expected a, b, tie or both-bad");
	return verdict(r, pref == STORE_PREF_BOTH_BAD ? STORE_REJECT : STORE_ACCEPT, pref,
		       reason && *reason ? reason : NULL);
}

/* `next`: 0 (claimed), 1 (the queue is empty), or the exit code. */
static int next(run *r)
{
	int64_t id = 0;
	assay_error err = {0};
	int rc = store_queue_next(r->s, &r->q, &r->cur, &id, &err);
	if (rc == ASSAY_ENOTFOUND) {
		printf("empty\n");
		return -1;
	}
	if (rc < 0)
		return failed_line(r, &err);
	free(r->claimed_id);
	r->claimed = 0;
	if ((rc = store_sample_ext_id(r->s, id, &r->claimed_id, &err)) < 0)
		return failed_line(r, &err);
	r->claimed = id;
	fputs("sample ", stdout);
	put_id(r->claimed_id);
	putchar('\n');
	return 0;
}

/* One command line (its newline removed): 0, -1 at the queue's end, or the
 * exit code. */
static int command(run *r, char *line)
{
	char *arg = strchr(line, ' ');
	if (arg)
		*arg++ = '\0';
	bool bare = strcmp(line, "next") == 0 || strcmp(line, "accept") == 0 ||
		    strcmp(line, "skip") == 0 || strcmp(line, "undo") == 0;
	if (bare && arg) {
		char what[64];
		snprintf(what, sizeof what, "%s takes nothing after it", line);
		return bad_line(r, what);
	}
	if ((strcmp(line, "reject") == 0 || strcmp(line, "edit") == 0) && (!arg || !*arg))
		return bad_line(r, line[0] == 'r' ? "reject needs a REASON after it (reject REASON)"
						  : "edit needs the corrected TEXT after it "
						    "(edit TEXT)");
	if (strcmp(line, "next") == 0)
		return next(r);
	if (strcmp(line, "accept") == 0)
		return verdict(r, STORE_ACCEPT, STORE_PREF_NONE, NULL);
	if (strcmp(line, "skip") == 0)
		return verdict(r, STORE_SKIP, STORE_PREF_NONE, NULL);
	if (strcmp(line, "reject") == 0)
		return verdict(r, STORE_REJECT, STORE_PREF_NONE, arg);
	if (strcmp(line, "edit") == 0)
		return verdict(r, STORE_EDIT, STORE_PREF_NONE, arg);
	if (strcmp(line, "prefer") == 0)
		return prefer(r, arg);
	if (strcmp(line, "undo") == 0) {
		int64_t id = 0;
		assay_error err = {0};
		if (store_undo(r->s, r->q.annotator_id, NULL, &id, &err) < 0)
			return failed_line(r, &err);
		int code = put_sample(r, "undone", id);
		if (!code)
			putchar('\n');
		return code;
	}
	return bad_line(r, "not a command");
}

/* Reads and runs the commands until the end of input or of the queue. */
static int loop(run *r)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int code = 0;
	while (code == 0 && (n = getline(&line, &cap, stdin)) >= 0) {
		r->line++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		code = command(r, line);
		if (fflush(stdout) != 0 && code == 0) {
			cli_errorf("standard output: cannot write");
			code = 1;
		}
	}
	free(line);
	return code < 0 ? 0 : code;
}

int cli_review_script(const cli_ctx *ctx, const tui_review_opts *o)
{
	store *s = NULL;
	store_options so = {.must_exist = true, .small_cache = true};
	int code = cli_open_store(ctx, &so, &s);
	if (code)
		return code;
	run r = {.s = s};
	r.q = (store_queue){.order = o->order, .seed = o->seed, .show = o->show,
			    .overlap = o->overlap > 0 ? o->overlap : 1, .lease_ms = o->lease_ms};
	assay_error err = {0};
	bool scored = false;
	if (r.q.order < 0 && store_has_quality(s, &scored, &err) == ASSAY_OK)
		r.q.order = scored ? STORE_ORDER_QUALITY : STORE_ORDER_IMPORT;
	if (store_annotator_ensure(s, o->annotator, &r.q.annotator_id, &err) < 0) {
		store_close(s);
		return cli_fail(&err);
	}
	if (o->batch) {
		store_batch b;
		if (store_batch_by_name(s, o->batch, &b, &err) < 0) {
			store_close(s);
			cli_errorf("no batch named \"%s\"", o->batch);
			return EXIT_USAGE;
		}
		r.q.batch_id = b.id;
		store_batch_free(&b);
	}
	code = loop(&r);
	free(r.claimed_id);
	if (store_lease_release_all(s, r.q.annotator_id, &err) < 0 && code == 0)
		code = cli_fail(&err);
	store_close(s);
	return code;
}
