/* opt.h — a command's options as rows: one table gives getopt_long its
 * options, parses each value into the command's argument struct and prints
 * `assay CMD --help`, so the help cannot drift from what is parsed. */
#ifndef ASSAY_CLI_OPT_H
#define ASSAY_CLI_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"

enum cli_opt_kind {
	CLI_OPT_END = 0, /* ends the table */
	CLI_OPT_FLAG,    /* bool: set to true */
	CLI_OPT_INT,     /* long within [min, max] */
	CLI_OPT_DOUBLE,  /* double within [min, max] */
	CLI_OPT_STRING,  /* const char *: argv's own text */
	CLI_OPT_ENUM,    /* int: the value of the name given, among values */
	CLI_OPT_DATE,    /* int64_t: YYYY-MM-DD as unix milliseconds (UTC) */
	CLI_OPT_WHERE,   /* cli_where: the parsed --where EXPR (given once) */
	CLI_OPT_CALL,    /* call(ctx, args, value) parses it: repeatable, lists */
	CLI_OPT_HELP,    /* -h, --help: prints the help, the command stops (0) */
	CLI_OPT_TEXT,    /* no option: a line of the help between the rows */
};

/* One name of an enum option and the int it stores. */
typedef struct cli_opt_value {
	const char *name;
	int value;
} cli_opt_value;

/* Parses value (NULL for an option without one) into args; returns 0, or
 * the exit code of the usage error it printed (cli_usage_error). */
typedef int (*cli_opt_fn)(const cli_ctx *ctx, void *args, const char *value);

typedef struct cli_opt {
	enum cli_opt_kind kind;
	const char *name;            /* the long name, without "--" */
	char letter;                 /* the short option, or 0 */
	const char *metavar;         /* the value's name in the help; NULL: none */
	size_t off;                  /* where the value goes in the args struct */
	double min, max;             /* INT and DOUBLE: the bounds, inclusive */
	const cli_opt_value *values; /* ENUM: ended by a NULL name */
	cli_opt_fn call;             /* CALL */
	const char *expect;          /* what a bad value's error says was expected;
				      * NULL: said from the kind and bounds */
	const char *help;            /* the help's lines, '\n' between them */
} cli_opt;

/* A command's options and the help around them. */
typedef struct cli_opts {
	const char *head;   /* the help above "Options:" (usage, what it does) */
	const cli_opt *rows;
	int column;         /* where the help lines start */
	const char *foot;   /* the help below the options, or NULL */
	void (*foot_fn)(FILE *f); /* and then this, or NULL */
	int max_operands;   /* operands allowed after the options; -1: any */
	bool wide_alone;    /* a left part too wide for the column stands alone
			     * on its line, its help below at the column */
} cli_opts;

/* cli_opts_parse's result when --help was printed: exit 0 at once. */
#define CLI_OPTS_DONE (-1)

/* Parses argv (argv[0] is the command) into args by spec's rows, stopping
 * at the first error; *operands (if not NULL) is set to the index of the
 * first operand. Returns 0, CLI_OPTS_DONE after --help, or the exit code of
 * the usage error printed: the option named, what was expected, what was
 * given. The caller frees what args holds (a CLI_OPT_WHERE) in every case. */
int cli_opts_parse(const cli_ctx *ctx, const cli_opts *spec, int argc, char **argv, void *args,
		   int *operands);

/* Prints spec's help: the head, "Options:", one row per option (its left
 * part padded to spec->column, or two spaces when it is wider, or with
 * spec->wide_alone a line of its own; then its help lines, each further
 * line at the column), then the foot. */
void cli_opts_help(const cli_opts *spec, FILE *f);

/* A row's left part as the help shows it: "-o, --output FILE". */
void cli_opt_left(const cli_opt *o, char *buf, size_t cap);

/* Rows. T is the command's args struct, F the field the value goes in; a
 * field of the wrong type does not compile (_Generic has no match). */
#define CLI_OFF_(T, F, type) _Generic(((T *)0)->F, type: offsetof(T, F))

#define CLI_FLAG(LONG, SHORT, T, F, HELP)                                                    \
	{.kind = CLI_OPT_FLAG, .name = LONG, .letter = SHORT, .off = CLI_OFF_(T, F, bool),    \
	 .help = HELP}
#define CLI_INT(LONG, SHORT, T, F, META, LO, HI, HELP)                                       \
	{.kind = CLI_OPT_INT, .name = LONG, .letter = SHORT, .metavar = META,                 \
	 .off = CLI_OFF_(T, F, long), .min = LO, .max = HI, .help = HELP}
/* An INT whose error names what the number counts ("a number of decisions
 * from 0 (never) to 1000000"). */
#define CLI_INT_EXPECT(LONG, SHORT, T, F, META, LO, HI, EXPECT, HELP)                        \
	{.kind = CLI_OPT_INT, .name = LONG, .letter = SHORT, .metavar = META,                 \
	 .off = CLI_OFF_(T, F, long), .min = LO, .max = HI, .expect = EXPECT, .help = HELP}
#define CLI_DOUBLE(LONG, SHORT, T, F, META, LO, HI, HELP)                                    \
	{.kind = CLI_OPT_DOUBLE, .name = LONG, .letter = SHORT, .metavar = META,              \
	 .off = CLI_OFF_(T, F, double), .min = LO, .max = HI, .help = HELP}
#define CLI_STRING(LONG, SHORT, T, F, META, HELP)                                            \
	{.kind = CLI_OPT_STRING, .name = LONG, .letter = SHORT, .metavar = META,              \
	 .off = CLI_OFF_(T, F, const char *), .help = HELP}
#define CLI_ENUM(LONG, SHORT, T, F, META, VALUES, HELP)                                      \
	{.kind = CLI_OPT_ENUM, .name = LONG, .letter = SHORT, .metavar = META,                \
	 .off = CLI_OFF_(T, F, int), .values = VALUES, .help = HELP}
#define CLI_DATE(LONG, T, F, HELP)                                                           \
	{.kind = CLI_OPT_DATE, .name = LONG, .metavar = "DATE",                               \
	 .off = CLI_OFF_(T, F, int64_t), .help = HELP}
#define CLI_WHERE(T, F, HELP)                                                                \
	{.kind = CLI_OPT_WHERE, .name = "where", .metavar = "EXPR",                           \
	 .off = CLI_OFF_(T, F, cli_where), .help = HELP}
#define CLI_CALL(LONG, SHORT, META, FN, HELP)                                                \
	{.kind = CLI_OPT_CALL, .name = LONG, .letter = SHORT, .metavar = META, .call = FN,    \
	 .help = HELP}
#define CLI_HELP() {.kind = CLI_OPT_HELP, .name = "help", .letter = 'h', .help = "this help"}
#define CLI_TEXT(LINE) {.kind = CLI_OPT_TEXT, .help = LINE}
#define CLI_END() {.kind = CLI_OPT_END}

#endif
