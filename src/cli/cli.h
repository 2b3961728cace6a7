/* cli.h — what the subcommands share: the global context, opening the
 * store, printing errors and mapping status codes to exit codes. Only
 * src/cli/ prints to the user or chooses exit codes. */
#ifndef ASSAY_CLI_H
#define ASSAY_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "assay/common.h"
#include "assay/store.h"

/* Exit codes (documented in `assay --help` and the README). */
enum cli_exit {
	EXIT_OK_ = 0,
	EXIT_FAIL = 1,       /* failed; the message says why */
	EXIT_USAGE = 2,      /* unknown command or option, bad option value */
	EXIT_DATA = 65,      /* bad input data: records rejected, malformed file */
	EXIT_NOINPUT = 66,   /* a file, database, batch or sample does not exist */
	EXIT_UNAVAIL = 69,   /* a remote endpoint failed or is unreachable */
	EXIT_IO = 74,        /* read or write failure, disk full */
	EXIT_BUSY = 75,      /* database locked by another process; try again */
	EXIT_INTR = 130,     /* interrupted; committed work is kept */
};

typedef struct cli_ctx {
	const char *db;        /* --db, else $ASSAY_DB, else ./assay.db */
	const char *cmd;       /* the subcommand's name */
} cli_ctx;

struct cli_opts;

typedef struct cli_command {
	const char *name;
	int (*run)(cli_ctx *ctx, int argc, char **argv);
	const char *summary;
	const struct cli_opts *opts; /* its option table (opt.h), NULL if it has none yet */
} cli_command;

/* The subcommands, in the order `assay --help` lists them (commands.c). */
extern const cli_command cli_commands[];
extern const size_t cli_n_commands;

/* The option tables of the commands that have one (cmd_NAME.c). */
extern const struct cli_opts cli_info_opts, cli_stats_opts, cli_audit_opts, cli_report_opts,
	cli_learn_opts, cli_batch_opts, cli_score_opts, cli_review_opts, cli_decide_opts,
	cli_export_opts, cli_import_opts, cli_copy_opts;

/* The subcommands, each in cmd_NAME.c. */
int cmd_import(cli_ctx *ctx, int argc, char **argv);
int cmd_info(cli_ctx *ctx, int argc, char **argv);
int cmd_export(cli_ctx *ctx, int argc, char **argv);
int cmd_stats(cli_ctx *ctx, int argc, char **argv);
int cmd_report(cli_ctx *ctx, int argc, char **argv);
int cmd_score(cli_ctx *ctx, int argc, char **argv);

/* Runs the built-in scorers over the batches just imported (cmd_score.c);
 * returns the exit code. */
/* Scores the corrected text of every edited sample not scored yet (the
 * built-in text scorers with the configuration); prints a failure. */
int cli_score_edits(store *s);
/* The built-in scorers after an import: made before its first source
 * (loads the configuration: an error value, not printed), then handed to
 * cli_score_imported, which runs them over the imported batches and
 * prints every figure. */
typedef struct cli_import_scores cli_import_scores;
/* What a scoring command says once while another score run holds the
 * store (store_score_lock's waiting). */
void cli_score_waiting(void *ud);
int cli_import_scores_new(cli_import_scores **out, assay_error *err);
void cli_import_scores_free(cli_import_scores *x);
int cli_score_imported(store *s, cli_import_scores *x, const int64_t *batch_ids, size_t n,
		       bool quiet, volatile sig_atomic_t *stop);
int cmd_decide(cli_ctx *ctx, int argc, char **argv);
int cmd_review(cli_ctx *ctx, int argc, char **argv);
int cmd_audit(cli_ctx *ctx, int argc, char **argv);
int cmd_learn(cli_ctx *ctx, int argc, char **argv);
int cmd_batch(cli_ctx *ctx, int argc, char **argv);
int cmd_copy(cli_ctx *ctx, int argc, char **argv);

/* Prints "assay: MESSAGE" on stderr (sanitized when stderr is a terminal). */
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints err's message and returns the exit code for its status. */
int cli_fail(const assay_error *err);
/* The exit code for a status code. */
int cli_exit_code(int status);
/* For an unknown option or a bad value: "Try 'assay CMD --help'"; returns 2. */
int cli_usage_error(const cli_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* For getopt_long's ':' (missing value) and '?' (unknown option) results,
 * with opterr = 0 and an optstring starting with ':'; returns 2. */
int cli_bad_option(const cli_ctx *ctx, int c, char **argv);

/* Opens the context's database; prints the error and returns the exit code
 * (or 0 with *out set). */
int cli_open_store(const cli_ctx *ctx, const store_options *opt, store **out);

/* Installs handler for SIGINT and SIGTERM without SA_RESTART: a blocking
 * call (open of a FIFO without a writer, read, poll) returns EINTR, so the
 * caller sees the flag the handler sets at once. */
void cli_catch_signals(void (*handler)(int));

/* Parses a date YYYY-MM-DD (UTC midnight) into unix milliseconds. */
bool cli_parse_date(const char *s, int64_t *ms);

/* Loads the configuration (config_path, else the usual files) into a new
 * *cf and the theme (theme, else the config's `theme`, else default) into
 * *th; prints what went wrong and returns the exit code, or 0. The caller
 * frees *cf with conf_free. */
struct conf;
struct conf_theme;
int cli_load_look(const char *config_path, const char *theme, struct conf **cf,
		  struct conf_theme *th);

/* Parses a size such as 16M, 512K, 1G or a plain byte count. */
bool cli_parse_size(const char *s, size_t *out);
/* Parses a non-negative integer within [min, max]. */
bool cli_parse_long(const char *s, long min, long max, long *out);

/* Writes s to f with anything a terminal would interpret replaced by a
 * visible placeholder (untrusted names, ids and messages). */
void cli_put_safe(FILE *f, const char *s);

/* A --where EXPR: the parsed expression, compiled for the store, and its
 * canonical spelling (to show what was selected). Zero it before use. */
struct query_expr;
typedef struct cli_where {
	struct query_expr *ast;
	store_where w;
	char *text;
	char *src;    /* as given: a later error's caret points into it */
	bool set;
	bool checked; /* its scorers' names against the database */
	char origin[320]; /* where it was written, said after its errors ("" for --where) */
} cli_where;

/* Parses and compiles expr into *out (--where given twice is refused); a
 * bad expression is printed with its column and a caret line, each line
 * through the sanitizer, and gives 2. Returns 0 or the exit code. The
 * scorers it names are checked when the command opens its database
 * (cli_open_store: unknown ones are refused the same way, the store
 * closed), so *out must stay put until cli_where_free. */
int cli_where_parse(const cli_ctx *ctx, const char *expr, cli_where *out);
/* The compiled slice, or NULL when no --where was given. */
const store_where *cli_where_get(const cli_where *w);
void cli_where_free(cli_where *w);
/* The --where language, a field a line, for a command's --help. */
void cli_where_help(FILE *f);

/* A progress line on stderr, shown only when stderr is a terminal. */
typedef struct cli_progress {
	bool enabled;
	int64_t started_ns, last_ns;
	int width;
} cli_progress;

void cli_progress_init(cli_progress *p);
/* Redraws (at most every 100 ms unless force) with done/total units; total
 * < 0 when unknown. unit is "B" for bytes (shown as MB) or a noun. */
void cli_progress_update(cli_progress *p, int64_t done, int64_t total, const char *unit,
			 const char *extra, bool force);
void cli_progress_done(cli_progress *p);

#endif
