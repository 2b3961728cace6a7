/* util.c — error printing, exit codes, option value parsing and safe
 * output for the subcommands. */
#include <errno.h>
#include <time.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assay/conf.h"
#include "assay/query.h"
#include "assay/score.h"
#include "assay/text.h"
#include "assay_version.h"
#include "cli.h"

void cli_put_safe(FILE *f, const char *s)
{
	char *safe = text_sanitize_line(s, strlen(s));
	fputs(safe ? safe : "?", f);
	free(safe);
}

void cli_errorf(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fputs("assay: ", stderr);
	cli_put_safe(stderr, msg);
	fputc('\n', stderr);
}

int cli_exit_code(int status)
{
	switch (status) {
	case ASSAY_OK:
		return EXIT_OK_;
	case ASSAY_EINVAL:
		return EXIT_USAGE;
	case ASSAY_EFORMAT:
	case ASSAY_EPARTIAL:
	case ASSAY_ENOTDB:
		return EXIT_DATA;
	case ASSAY_ENOTFOUND:
		return EXIT_NOINPUT;
	case ASSAY_ENET:
		return EXIT_UNAVAIL;
	case ASSAY_EIO:
	case ASSAY_EFULL:
		return EXIT_IO;
	case ASSAY_EBUSY:
		return EXIT_BUSY;
	case ASSAY_EINTR:
		return EXIT_INTR;
	default:
		return EXIT_FAIL;
	}
}

int cli_fail(const assay_error *err)
{
	cli_errorf("%s", err->msg[0] ? err->msg : assay_strstatus(err->code));
	return cli_exit_code(err->code);
}

int cli_usage_error(const cli_ctx *ctx, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cli_errorf("%s", msg);
	fprintf(stderr, "Try 'assay %s%s--help'.\n", ctx && ctx->cmd ? ctx->cmd : "",
		ctx && ctx->cmd ? " " : "");
	return EXIT_USAGE;
}

bool cli_parse_date(const char *s, int64_t *ms)
{
	struct tm tm = {0};
	const char *end = s ? strptime(s, "%Y-%m-%d", &tm) : NULL;
	if (!end || *end)
		return false;
	*ms = (int64_t)timegm(&tm) * 1000;
	return true;
}

/* Where themes live: $ASSAY_THEMES_DIR, the installed copy, the source tree. */
static const char *themes_dir(void)
{
	const char *env = getenv("ASSAY_THEMES_DIR");
	if (env && *env)
		return env;
	if (access(ASSAY_INSTALLED_THEMES "/default.theme", R_OK) == 0)
		return ASSAY_INSTALLED_THEMES;
	return ASSAY_SOURCE_THEMES;
}

int cli_load_look(const char *config_path, const char *theme, conf **cf, conf_theme *th)
{
	assay_error err = {0};
	conf_theme_init(th);
	*cf = conf_new();
	if (!*cf)
		return cli_fail(&(assay_error){ASSAY_ENOMEM, "out of memory"});
	if (conf_load_default(*cf, config_path, &err) < 0 || conf_check_config(*cf, &err) < 0 ||
	    conf_theme_load(theme ? theme : conf_get(*cf, "theme", "default"), themes_dir(), th,
			    &err) < 0) {
		conf_free(*cf);
		*cf = NULL;
		return cli_fail(&err);
	}
	return 0;
}

/* Whether arg is a cluster of short options ("-zq") holding ch. */
static bool cluster_has(const char *arg, int ch)
{
	return arg && arg[0] == '-' && arg[1] != '-' && ch > 0 && strchr(arg + 1, ch);
}

/* getopt leaves optind on a cluster of short options until its last letter
 * is read, so argv[optind - 1] may be the argument before the bad one: a
 * short option is named by its letter (optopt), a long one by its word. */
int cli_bad_option(const cli_ctx *ctx, int c, char **argv)
{
	const char *prev = optind > 0 ? argv[optind - 1] : "", *cur = argv[optind];
	bool longopt = strncmp(prev, "--", 2) == 0 && !cluster_has(cur, optopt);
	if (!longopt) {
		if (c == ':')
			return cli_usage_error(ctx, "option '-%c' needs a value", optopt);
		return cli_usage_error(ctx, "unknown option '-%c'", optopt > 0x20 && optopt < 0x7f
										? optopt : '?');
	}
	int n = (int)strcspn(prev, "=");
	if (c == ':')
		return cli_usage_error(ctx, "option '%.*s' needs a value", n, prev);
	if (optopt && prev[n])
		return cli_usage_error(ctx, "option '%.*s' takes no value", n, prev);
	if (n == 4 && strncmp(prev, "--db", 4) == 0) /* the one global option */
		return cli_usage_error(ctx, "--db goes before the command: assay --db PATH %s ...",
				       ctx->cmd);
	return cli_usage_error(ctx, "unknown option '%.*s'", n, prev);
}

static void say_upgrading(void *ud, const char *path, int from, int to)
{
	(void)ud;
	fprintf(stderr, "assay: upgrading ");
	cli_put_safe(stderr, path);
	fprintf(stderr, " from schema version %d to %d (once; this can take a minute on "
			"millions of samples)\n", from, to);
}

/* While an older database's scores are rewritten one row per sample. */
static void say_progress(void *ud, int64_t done, int64_t total)
{
	(void)ud;
	fprintf(stderr, "assay: scores rewritten one row per sample: %lld of %lld rows%s\n",
		(long long)done, (long long)total, done >= total ? ", done" : "");
}

/* While the texts an older database stored twice are read from their
 * records instead. */
static void say_text_progress(void *ud, int64_t done, int64_t total)
{
	(void)ud;
	fprintf(stderr, "assay: texts stored once: %lld of %lld samples%s\n", (long long)done,
		(long long)total, done >= total ? ", done" : "");
}

/* While an older database's combined scores are moved to their own table. */
static void say_quality_progress(void *ud, int64_t done, int64_t total)
{
	(void)ud;
	fprintf(stderr, "assay: combined scores moved to their own table: %lld of %lld samples%s\n",
		(long long)done, (long long)total, done >= total ? ", done" : "");
}

static int where_check(const cli_ctx *ctx, store *s);

/* Opens the database; $ASSAY_BUSY_TIMEOUT_MS (1..3600000) replaces the
 * wait for another writer (the default's, or the command's own in opt:
 * scripts that must not wait, tests).
 * An upgrade of an older database is announced on stderr. */
int cli_open_store(const cli_ctx *ctx, const store_options *opt, store **out)
{
	assay_error err = {0};
	store_options o = opt ? *opt : (store_options){0};
	if (!o.upgrading)
		o.upgrading = say_upgrading;
	if (!o.upgrade_progress)
		o.upgrade_progress = say_progress;
	if (!o.text_progress)
		o.text_progress = say_text_progress;
	if (!o.quality_progress)
		o.quality_progress = say_quality_progress;
	if (!o.command)
		o.command = ctx->cmd;
	long ms;
	if (cli_parse_long(getenv("ASSAY_BUSY_TIMEOUT_MS"), 1, 3600000, &ms))
		o.busy_timeout_ms = (int)ms;
	if (store_open(ctx->db, &o, out, &err) < 0)
		return cli_fail(&err);
	int code = where_check(ctx, *out);
	if (code) {
		store_close(*out);
		*out = NULL;
	}
	return code;
}

bool cli_parse_long(const char *s, long min, long max, long *out)
{
	if (!s || !*s)
		return false;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool cli_parse_size(const char *s, size_t *out)
{
	if (!s || !*s)
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return false;
	unsigned long long mul = 1;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		mul = 1ull << 10;
		break;
	case 'm': case 'M':
		mul = 1ull << 20;
		break;
	case 'g': case 'G':
		mul = 1ull << 30;
		break;
	default:
		return false;
	}
	if (*end && end[1] && strcmp(end + 1, "iB") != 0 && strcmp(end + 1, "B") != 0)
		return false;
	if (v > (1ull << 40) / mul || v == 0)
		return false;
	*out = (size_t)(v * mul);
	return true;
}

void cli_catch_signals(void (*handler)(int))
{
	struct sigaction sa = {.sa_handler = handler};
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: see cli.h */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* The message of a bad expression, line by line: the first after
 * "assay: --where: ", the expression and its caret as they are. */
static int where_usage(const cli_ctx *ctx, const char *msg)
{
	for (const char *p = msg, *end; *p; p = end + (*end == '\n')) {
		end = p + strcspn(p, "\n");
		char *line = assay_strndup(p, (size_t)(end - p));
		fputs(p == msg ? "assay: --where: " : "", stderr);
		cli_put_safe(stderr, line ? line : "?");
		fputc('\n', stderr);
		free(line);
	}
	fprintf(stderr, "Try 'assay %s --help'.\n", ctx && ctx->cmd ? ctx->cmd : "");
	return EXIT_USAGE;
}

/* The expressions parsed and not freed yet: the scorers they name are
 * checked once the command opens its database (cli_open_store), which
 * options are parsed before. */
#define WHERE_PENDING 8
static cli_where *pending[WHERE_PENDING];

static void where_pending(cli_where *w, bool add)
{
	for (size_t i = 0; i < WHERE_PENDING; i++)
		if (pending[i] == (add ? NULL : w)) {
			pending[i] = add ? w : NULL;
			return;
		}
}

/* A scorer that is neither built in nor in s's scores is refused like any
 * other bad expression (flagged(repetiton) would select nothing). */
static int where_check(const cli_ctx *ctx, store *s)
{
	for (size_t i = 0; i < WHERE_PENDING; i++) {
		cli_where *w = pending[i];
		if (!w || !w->set || w->checked)
			continue;
		assay_error err = {0};
		int rc = score_where_check(s, w->ast, w->src, &err);
		if (rc < 0 && rc != ASSAY_EINVAL)
			return cli_fail(&err);
		if (rc < 0) {
			int code = where_usage(ctx, err.msg);
			if (w->origin[0])
				cli_errorf("%s", w->origin);
			return code;
		}
		w->checked = true;
	}
	return 0;
}

int cli_where_parse(const cli_ctx *ctx, const char *expr, cli_where *out)
{
	if (out->set)
		return cli_usage_error(ctx, "--where given twice: join the expressions with 'and'");
	assay_error err = {0};
	int rc = query_parse(expr, strlen(expr), &out->ast, NULL, &err);
	if (rc == ASSAY_OK)
		rc = store_where_compile(out->ast, &out->w, &err);
	if (rc == ASSAY_OK && (!(out->text = query_print(out->ast)) ||
			       !(out->src = assay_strdup(expr))))
		rc = assay_fail(&err, ASSAY_ENOMEM, "out of memory");
	if (rc < 0) {
		query_free(out->ast);
		store_where_free(&out->w);
		free(out->text);
		*out = (cli_where){0};
		return rc == ASSAY_EINVAL ? where_usage(ctx, err.msg) : cli_fail(&err);
	}
	out->set = true;
	where_pending(out, true);
	return 0;
}

const store_where *cli_where_get(const cli_where *w)
{
	return w && w->set ? &w->w : NULL;
}

void cli_where_help(FILE *f)
{
	fputs("\nThe --where language: the fields below, compared with = != < <= > >= (~ where\n"
	      "said), joined with and, or, not and parentheses; text in double quotes:\n", f);
	size_t n;
	const query_field *fields = query_fields(&n);
	for (size_t i = 0; i < n; i++) {
		/* wrapped at 78 columns, later lines indented */
		const char *s = fields[i].help;
		int indent = 2;
		while (*s) {
			size_t room = (size_t)(78 - indent), len = strlen(s);
			if (len > room) {
				len = room;
				while (len > 0 && s[len] != ' ')
					len--;
				if (len == 0)
					len = room;
			}
			fprintf(f, "%*s%.*s\n", indent, "", (int)len, s);
			s += len;
			while (*s == ' ')
				s++;
			indent = 6;
		}
		const char *const *w = fields[i].words;
		if (w && !strstr(fields[i].help, w[0])) {
			fputs("      V: ", f);
			for (size_t k = 0; w[k]; k++)
				fprintf(f, "%s%s", k ? ", " : "", w[k]);
			fputc('\n', f);
		}
	}
	fputs("e.g. 'flagged(repetition) and meta.model = \"llava\"' or 'quality < 0.3'\n", f);
}

void cli_where_free(cli_where *w)
{
	if (!w->set)
		return;
	where_pending(w, false);
	query_free(w->ast);
	store_where_free(&w->w);
	free(w->text);
	free(w->src);
	*w = (cli_where){0};
}
