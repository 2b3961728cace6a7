/* opt.c — the option rows of opt.h: getopt_long's tables built from them,
 * each value parsed and checked into the command's args struct, and the
 * help printed from the same rows. */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "opt.h"

/* More rows than any command has; getopt's tables live on the stack. */
#define CLI_OPT_MAX 64
/* getopt_long's result for the long-only row i. */
#define LONG_ONLY 0x100

static bool takes_value(const cli_opt *o)
{
	return o->kind != CLI_OPT_FLAG && o->kind != CLI_OPT_HELP &&
	       (o->kind != CLI_OPT_CALL || o->metavar);
}

static bool is_option(const cli_opt *o)
{
	return o->kind != CLI_OPT_TEXT;
}

/* getopt_long's optstring and long options from the rows. */
static void getopt_tables(const cli_opt *rows, char *shorts, struct option *longs)
{
	size_t ns = 0, nl = 0;
	shorts[ns++] = ':';
	for (size_t i = 0; rows[i].kind != CLI_OPT_END; i++) {
		const cli_opt *o = &rows[i];
		assert(i < CLI_OPT_MAX && (o->name || !is_option(o)));
		if (!is_option(o))
			continue;
		if (o->letter) {
			shorts[ns++] = o->letter;
			if (takes_value(o))
				shorts[ns++] = ':';
		}
		longs[nl++] = (struct option){o->name, takes_value(o) ? required_argument : no_argument,
					      NULL, o->letter ? o->letter : LONG_ONLY + (int)i};
	}
	shorts[ns] = '\0';
	longs[nl] = (struct option){0};
}

static const cli_opt *row_of(const cli_opt *rows, int c)
{
	if (c >= LONG_ONLY)
		return &rows[c - LONG_ONLY];
	for (size_t i = 0; rows[i].kind != CLI_OPT_END; i++)
		if (is_option(&rows[i]) && rows[i].letter == c)
			return &rows[i];
	return NULL;
}

/* "a, b or c": an enum's names for its usage error. */
static void enum_names(const cli_opt_value *v, char *buf, size_t cap)
{
	size_t n = 0, len = 0;
	while (v[n].name)
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s",
					i == 0 ? "" : i + 1 == n ? " or " : ", ", v[i].name);
}

static int enum_value(const cli_ctx *ctx, const cli_opt *o, const char *arg, int *out)
{
	for (const cli_opt_value *v = o->values; v->name; v++)
		if (strcmp(v->name, arg) == 0) {
			*out = v->value;
			return 0;
		}
	char names[512];
	enum_names(o->values, names, sizeof names);
	return cli_usage_error(ctx, "--%s: expected %s, got '%s'", o->name, names, arg);
}

static int number_value(const cli_ctx *ctx, const cli_opt *o, const char *arg, void *field)
{
	if (o->kind == CLI_OPT_INT) {
		long v;
		if (cli_parse_long(arg, (long)o->min, (long)o->max, &v)) {
			*(long *)field = v;
			return 0;
		}
		if (o->expect)
			return cli_usage_error(ctx, "--%s: expected %s, got '%s'", o->name, o->expect,
					       arg);
		return cli_usage_error(ctx, "--%s: expected a whole number from %ld to %ld, got '%s'",
				       o->name, (long)o->min, (long)o->max, arg);
	}
	char *end;
	errno = 0;
	double v = *arg ? strtod(arg, &end) : 0;
	if (!*arg || errno || *end || !(v >= o->min && v <= o->max))
		return cli_usage_error(ctx, "--%s: expected a number from %g to %g, got '%s'",
				       o->name, o->min, o->max, arg);
	*(double *)field = v;
	return 0;
}

/* Stores row o's value arg (NULL without one) in args. */
static int set_value(const cli_ctx *ctx, const cli_opts *spec, const cli_opt *o, const char *arg,
		     void *args)
{
	char *field = args ? (char *)args + o->off : NULL; /* no args: --help only */
	switch (o->kind) {
	case CLI_OPT_FLAG:
		*(bool *)field = true;
		return 0;
	case CLI_OPT_INT:
	case CLI_OPT_DOUBLE:
		return number_value(ctx, o, arg, field);
	case CLI_OPT_STRING:
		*(const char **)field = arg;
		return 0;
	case CLI_OPT_ENUM:
		return enum_value(ctx, o, arg, (int *)field);
	case CLI_OPT_DATE:
		if (!cli_parse_date(arg, (int64_t *)field))
			return cli_usage_error(ctx, "--%s: expected a date YYYY-MM-DD, got '%s'",
					       o->name, arg);
		return 0;
	case CLI_OPT_WHERE:
		return cli_where_parse(ctx, arg, (cli_where *)field);
	case CLI_OPT_CALL:
		return o->call(ctx, args, arg);
	case CLI_OPT_HELP:
		cli_opts_help(spec, stdout);
		return CLI_OPTS_DONE;
	default:
		assert(!"a row that is no option");
		return EXIT_FAIL;
	}
}

int cli_opts_parse(const cli_ctx *ctx, const cli_opts *spec, int argc, char **argv, void *args,
		   int *operands)
{
	char shorts[3 * CLI_OPT_MAX + 2];
	struct option longs[CLI_OPT_MAX + 1];
	getopt_tables(spec->rows, shorts, longs);
	int c, code = 0;
	optind = 1;
	opterr = 0;
	while (!code && (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const cli_opt *o = c == '?' || c == ':' ? NULL : row_of(spec->rows, c);
		code = o ? set_value(ctx, spec, o, optarg, args) : cli_bad_option(ctx, c, argv);
	}
	if (operands)
		*operands = optind;
	if (!code && spec->max_operands >= 0 && argc - optind > spec->max_operands)
		code = cli_usage_error(ctx, "unexpected argument '%s'",
				       argv[optind + spec->max_operands]);
	return code;
}

void cli_opt_left(const cli_opt *o, char *buf, size_t cap)
{
	char letter[8] = "";
	if (o->letter)
		snprintf(letter, sizeof letter, "-%c, ", o->letter);
	snprintf(buf, cap, "%s--%s%s%s", letter, o->name, o->metavar ? " " : "",
		 o->metavar ? o->metavar : "");
}

/* One option's rows of the help: the left part, then its help's lines. */
static void help_row(const cli_opt *o, const cli_opts *spec, FILE *f)
{
	char left[128];
	int column = spec->column;
	assert(o->help && *o->help);
	cli_opt_left(o, left, sizeof left);
	int width = 2 + (int)strlen(left);
	bool alone = spec->wide_alone && width + 1 > column;
	fprintf(f, "  %s%*s", left, alone ? 0 : width + 1 <= column ? column - width : 2,
		alone ? "\n" : "");
	for (const char *p = o->help, *end; *p; p = end + 1) {
		end = p + strcspn(p, "\n");
		fprintf(f, "%*s%.*s\n", p == o->help && !alone ? 0 : column, "", (int)(end - p), p);
		if (!*end)
			break;
	}
}

void cli_opts_help(const cli_opts *spec, FILE *f)
{
	fputs(spec->head, f);
	fputs("Options:\n", f);
	for (const cli_opt *o = spec->rows; o->kind != CLI_OPT_END; o++) {
		if (is_option(o))
			help_row(o, spec, f);
		else
			fprintf(f, "%s\n", o->help);
	}
	if (spec->foot)
		fputs(spec->foot, f);
	if (spec->foot_fn)
		spec->foot_fn(f);
}
