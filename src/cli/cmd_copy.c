/* cmd_copy.c — `assay copy SRC DST`: a whole database copied between SQLite
 * files and PostgreSQL schemas (either way), resumable, then verified. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "assay/store_copy.h"
#include "cli.h"
#include "opt.h"

typedef struct copy_args {
	long chunk;
	bool quiet;
} copy_args;

static const cli_opt copy_rows[] = {
	CLI_INT_EXPECT("chunk", 0, copy_args, chunk, "N", 1, 10000000,
		       "a number of rows from 1 to 10000000",
		       "rows per committed transaction (default 10000): a copy\n"
		       "stopped, even killed, loses at most the chunk in flight"),
	CLI_FLAG("quiet", 'q', copy_args, quiet, "no progress lines on stderr"),
	CLI_HELP(),
	CLI_END(),
};

const cli_opts cli_copy_opts = {
	.head = "usage: assay copy [--chunk N] [--quiet] SRC DST\n"
		"\n"
		"Copies the database SRC into DST: each an SQLite file or a PostgreSQL\n"
		"URI (postgresql://...; the store in the connection's current schema).\n"
		"Every table in the order its references allow, ids kept, in chunks each\n"
		"committed with a resume marker in DST (its table assay_copy): run the\n"
		"same command again after a stop or a kill and it continues where it\n"
		"stopped. Then every table is verified on both sides: its row count and\n"
		"a checksum of its rows. On PostgreSQL the id sequences are set past the\n"
		"largest id copied. DST must be empty (a new file, an empty schema) or a\n"
		"copy of the same SRC made before; anything else is refused. Passwords\n"
		"in URIs are never printed. Neither $ASSAY_DB nor the global database\n"
		"option is used: both databases are named here.\n"
		"\n",
	.rows = copy_rows,
	.column = 16,
	.foot = "\nInterrupted (Ctrl-C, SIGTERM), it stops once the chunk in flight is\n"
		"committed (exit 130); run it again to continue.\n"
		"\nExit status: 0 copied and verified; 1 refused (DST holds other data)\n"
		"or the verification found a table different; 2 usage; 66 no SRC;\n"
		"130 interrupted.\n",
	.max_operands = 2,
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

typedef struct copy_ui {
	bool quiet;
	int64_t last_ns;
	const char *last_table;
} copy_ui;

/* A line per committed chunk, at most one a second per table (and the
 * table's first), and one when a table with rows is done. */
static void on_progress(void *ud, const char *table, int64_t done, int64_t total, bool finished)
{
	copy_ui *ui = ud;
	int64_t now = assay_mono_ns();
	bool first = ui->last_table != table;
	if (ui->quiet || (finished && done == 0) ||
	    (!finished && !first && now - ui->last_ns < 1000000000))
		return;
	ui->last_table = table;
	ui->last_ns = now;
	if (finished)
		fprintf(stderr, "copy: %s: %lld rows, done\n", table, (long long)done);
	else
		fprintf(stderr, "copy: %s: %lld of %lld rows\n", table, (long long)done,
			(long long)total);
	fflush(stderr);
}

static void on_resuming(void *ud, const char *table, int64_t rows, int64_t last_key)
{
	copy_ui *ui = ud;
	if (!ui->quiet)
		fprintf(stderr, "copy: %s: resuming after key %lld (%lld rows copied before)\n",
			table, (long long)last_key, (long long)rows);
}

static void report(const store *src, const store *dst, const store_copy_result *res)
{
	char line[1200];
	int64_t copied = 0;
	for (size_t i = 0; i < res->n; i++)
		copied += res->tables[i].copied;
	snprintf(line, sizeof line, "copied %s -> %s%s", store_path(src), store_path(dst),
		 !res->resumed ? ""
		 : copied   ? " (a previous run's copy continued)"
			    : " (already complete: verified again)");
	cli_put_safe(stdout, line);
	printf("\n%-18s %10s %10s  %s\n", "table", "rows", "this run", "checksum");
	int64_t rows = 0;
	for (size_t i = 0; i < res->n; i++) {
		const store_copy_table *t = &res->tables[i];
		printf("%-18s %10lld %10lld  %016llx\n", t->name, (long long)t->dst_rows,
		       (long long)t->copied, (unsigned long long)t->dst_sum);
		rows += t->dst_rows;
	}
	printf("verified: %zu tables, %lld rows; counts and checksums equal on both sides\n",
	       res->n, (long long)rows);
}

/* Whether a and b name one database: the same text, or the same file. */
static bool same_database(const char *a, const char *b)
{
	struct stat sa, sb;
	return strcmp(a, b) == 0 ||
	       (stat(a, &sa) == 0 && stat(b, &sb) == 0 && assay_same_file(&sa, &sb));
}

static int run_copy(cli_ctx *ctx, const char *from, const char *to, const copy_args *a)
{
	store *src = NULL, *dst = NULL;
	cli_ctx c = *ctx;
	c.db = from;
	int code = cli_open_store(&c, &(store_options){.readonly = true, .must_exist = true}, &src);
	if (code)
		return code;
	c.db = to;
	if ((code = cli_open_store(&c, NULL, &dst)) != 0) {
		store_close(src);
		return code;
	}
	copy_ui ui = {.quiet = a->quiet};
	store_copy_options opt = {.chunk_rows = a->chunk, .progress = on_progress,
				  .resuming = on_resuming, .ud = &ui, .stop = &stop_flag};
	cli_catch_signals(on_signal);
	store_copy_result res;
	assay_error err = {0};
	int rc = store_copy(src, dst, &opt, &res, &err);
	if (rc == ASSAY_OK)
		report(src, dst, &res);
	store_close(dst);
	store_close(src);
	return rc < 0 ? cli_fail(&err) : 0;
}

int cmd_copy(cli_ctx *ctx, int argc, char **argv)
{
	copy_args a = {0};
	int first = 0, code = cli_opts_parse(ctx, &cli_copy_opts, argc, argv, &a, &first);
	if (code)
		return code == CLI_OPTS_DONE ? 0 : code;
	if (argc - first != 2)
		return cli_usage_error(ctx, "expected SRC and DST (a database file or a "
				       "postgresql:// URI each), got %d operand%s",
				       argc - first, argc - first == 1 ? "" : "s");
	if (same_database(argv[first], argv[first + 1]))
		return cli_usage_error(ctx, "SRC and DST are the same database");
	return run_copy(ctx, argv[first], argv[first + 1], &a);
}
