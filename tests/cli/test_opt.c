/* Tests of src/cli/opt.c: each kind of row parsed from both spellings,
 * bounds, enums, repeats, the usage errors (exit 2, the option named and
 * what it expected) and the help printed from the rows. */
#include <string.h>

#include "capture.h"
#include "opt.h"
#include "unit.h"

typedef struct targs {
	bool json, dry;
	long count, every;
	double ratio;
	const char *name;
	int format;
	int64_t since;
	cli_where where;
	const char *tags[4];
	int n_tags;
} targs;

/* A repeatable option: each --tag appends; a fifth is refused. */
static int add_tag(const cli_ctx *ctx, void *args, const char *value)
{
	targs *a = args;
	if (a->n_tags == 4)
		return cli_usage_error(ctx, "--tag: at most 4");
	a->tags[a->n_tags++] = value;
	return 0;
}

static const cli_opt_value formats[] = {{"table", 't'}, {"json", 'j'}, {"csv", 'c'}, {0}};

static const cli_opt rows[] = {
	CLI_FLAG("json", 'j', targs, json, "machine-readable output"),
	CLI_INT("count", 'n', targs, count, "N", 1, 10, "how many, 1-10"),
	CLI_INT_EXPECT("every", 0, targs, every, "N", 0, 1000, "a number of decisions from 0 (never)",
		       "after every N decisions"),
	CLI_DOUBLE("ratio", 0, targs, ratio, "R", 0, 1, "a share from 0 to 1"),
	CLI_STRING("name", 0, targs, name, "NAME", "a name"),
	CLI_ENUM("format", 0, targs, format, "FMT", formats, "table (default), json\nor csv"),
	CLI_DATE("since", targs, since, "from DATE on"),
	CLI_WHERE(targs, where, "only a slice"),
	CLI_TEXT("More:"),
	CLI_CALL("tag", 't', "TAG", add_tag, "a tag (repeatable)"),
	CLI_FLAG("a-very-long-flag-name", 0, targs, dry, "wider than the column"),
	CLI_HELP(),
	CLI_END(),
};

static const cli_opts spec = {
	.head = "usage: assay test [OPTIONS] [FILE]\n\nA test.\n\n",
	.rows = rows,
	.column = 16,
	.foot = "\nThe end.\n",
	.max_operands = 1,
};

static const cli_ctx ctx = {.db = "x.db", .cmd = "test"};

/* Parses the words (argv[0] is the command) into *a; *err gets stderr. */
static int parse(targs *a, char **err, int *operands, const char *const *words)
{
	char *argv[32];
	int argc = 0;
	argv[argc++] = (char *)"test";
	while (*words)
		argv[argc++] = (char *)*words++;
	argv[argc] = NULL;
	*a = (targs){.format = 't'};
	capture c;
	capture_begin(&c, 2);
	int code = cli_opts_parse(&ctx, &spec, argc, argv, a, operands);
	*err = capture_end(&c);
	return code;
}

#define PARSE(a, err, ...) parse(a, err, NULL, (const char *const[]){__VA_ARGS__, NULL})

/* A usage error: exit 2, this message, the hint at --help. */
#define CHECK_USAGE(msg, ...)                                                                 \
	do {                                                                                  \
		targs a_;                                                                     \
		char *e_;                                                                     \
		CHECK_INT(PARSE(&a_, &e_, __VA_ARGS__), 2);                                   \
		CHECK_CONTAINS(e_, msg);                                                      \
		CHECK_CONTAINS(e_, "Try 'assay test --help'.");                               \
		cli_where_free(&a_.where);                                                    \
		free(e_);                                                                     \
	} while (0)

TEST(flags_and_both_value_forms)
{
	targs a;
	char *err;
	CHECK_INT(PARSE(&a, &err, "--json", "--count=3", "--name", "heron", "--ratio=0.25"), 0);
	CHECK(a.json && !a.dry);
	CHECK_INT(a.count, 3);
	CHECK_STR(a.name, "heron");
	CHECK_NEAR(a.ratio, 0.25, 1e-12);
	CHECK_STR(err, "");
	free(err);
	CHECK_INT(PARSE(&a, &err, "-j", "-n", "7"), 0);
	CHECK(a.json);
	CHECK_INT(a.count, 7);
	free(err);
	CHECK_INT(PARSE(&a, &err, "-jn4"), 0);
	CHECK(a.json);
	CHECK_INT(a.count, 4);
	free(err);
	CHECK_INT(PARSE(&a, &err, "--count", "9", "--count=2"), 0);
	CHECK_INT(a.count, 2); /* the last one given wins */
	free(err);
}

TEST(ints_and_doubles_within_bounds)
{
	targs a;
	char *err;
	CHECK_INT(PARSE(&a, &err, "--count=1", "--ratio", "1"), 0);
	CHECK_INT(a.count, 1);
	free(err);
	CHECK_INT(PARSE(&a, &err, "--count=10"), 0);
	CHECK_INT(a.count, 10);
	free(err);
	CHECK_USAGE("--count: expected a whole number from 1 to 10, got '0'", "--count=0");
	CHECK_USAGE("--count: expected a whole number from 1 to 10, got '11'", "-n", "11");
	CHECK_USAGE("--count: expected a whole number from 1 to 10, got '3x'", "--count", "3x");
	CHECK_USAGE("--count: expected a whole number from 1 to 10, got ''", "--count=");
	CHECK_USAGE("--ratio: expected a number from 0 to 1, got '1.5'", "--ratio", "1.5");
	CHECK_USAGE("--every: expected a number of decisions from 0 (never), got '-1'", "--every=-1");
	CHECK_INT(PARSE(&a, &err, "--every", "0"), 0);
	CHECK_INT(a.every, 0);
	free(err);
	CHECK_USAGE("--ratio: expected a number from 0 to 1, got 'nan'", "--ratio", "nan");
}

TEST(enums_and_dates)
{
	targs a;
	char *err;
	CHECK_INT(PARSE(&a, &err, "--name", "x"), 0);
	CHECK_INT(a.format, 't'); /* untouched when not given */
	free(err);
	CHECK_INT(PARSE(&a, &err, "--format=csv", "--since", "2026-01-02"), 0);
	CHECK_INT(a.format, 'c');
	CHECK_INT(a.since, 1767312000000LL);
	free(err);
	CHECK_USAGE("--format: expected table, json or csv, got 'xml'", "--format", "xml");
	CHECK_USAGE("--since: expected a date YYYY-MM-DD, got '2026-13-01'", "--since=2026-13-01");
}

TEST(repeated_options_and_where)
{
	targs a;
	char *err;
	CHECK_INT(PARSE(&a, &err, "--tag", "a", "-t", "b", "--tag=c"), 0);
	CHECK_INT(a.n_tags, 3);
	CHECK_STR(a.tags[2], "c");
	free(err);
	CHECK_USAGE("--tag: at most 4", "-ta", "-tb", "-tc", "-td", "-te");
	CHECK_INT(PARSE(&a, &err, "--where", "batch = \"b\""), 0);
	CHECK(a.where.set);
	cli_where_free(&a.where);
	free(err);
	CHECK_USAGE("--where given twice", "--where", "batch = \"b\"", "--where=batch = \"c\"");
	CHECK_USAGE("--where: ", "--where", "batch ==");
}

TEST(missing_and_unknown_options)
{
	CHECK_USAGE("option '--count' needs a value", "--count");
	CHECK_USAGE("option '-n' needs a value", "-n");
	CHECK_USAGE("unknown option '--nope'", "--nope");
	CHECK_USAGE("unknown option '--nope'", "--nope=1");
	CHECK_USAGE("unknown option '-z'", "-jz");
	CHECK_USAGE("option '--json' takes no value", "--json=yes");
	CHECK_USAGE("option '--help' takes no value", "--help=yes");
}

TEST(operands)
{
	targs a;
	char *err;
	int first = 0;
	CHECK_INT(parse(&a, &err, &first, (const char *const[]){"f.jsonl", "--json", NULL}), 0);
	CHECK(a.json); /* options after the operand, as getopt permutes */
	CHECK_INT(first, 2);
	free(err);
	CHECK_USAGE("unexpected argument 'g'", "f", "g");
}

static const char want_help[] =
	"usage: assay test [OPTIONS] [FILE]\n"
	"\n"
	"A test.\n"
	"\n"
	"Options:\n"
	"  -j, --json    machine-readable output\n"
	"  -n, --count N how many, 1-10\n"
	"  --every N     after every N decisions\n"
	"  --ratio R     a share from 0 to 1\n"
	"  --name NAME   a name\n"
	"  --format FMT  table (default), json\n"
	"                or csv\n"
	"  --since DATE  from DATE on\n"
	"  --where EXPR  only a slice\n"
	"More:\n"
	"  -t, --tag TAG a tag (repeatable)\n"
	"  --a-very-long-flag-name  wider than the column\n"
	"  -h, --help    this help\n"
	"\n"
	"The end.\n";

TEST(help_from_the_rows)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cli_opts_help(&spec, f);
	fclose(f);
	CHECK_STR(text, want_help);
	free(text);
	/* --help prints it on stdout and stops before the options after it */
	targs a = {0};
	char *argv[] = {"test", "--help", "--nope", NULL};
	capture c;
	capture_begin(&c, 1);
	int code = cli_opts_parse(&ctx, &spec, 3, argv, &a, NULL);
	char *out = capture_end(&c);
	CHECK_INT(code, CLI_OPTS_DONE);
	CHECK_STR(out, want_help);
	free(out);
}

/* With wide_alone a left part too wide for the column stands on its own
 * line and its help starts below it, at the column; narrower rows are as
 * before. */
static const cli_opt wide_rows[] = {
	CLI_STRING("name", 0, targs, name, "NAME", "a name"),
	CLI_STRING("exactly-fits", 0, targs, name, "N", "one space before"),
	CLI_FLAG("a-very-long-flag-name", 0, targs, dry, "wider than the column,\nbelow it"),
	CLI_END(),
};

TEST(wide_rows_alone)
{
	cli_opts wide = {.head = "usage: t\n\n", .rows = wide_rows, .column = 19,
			 .max_operands = 0, .wide_alone = true};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cli_opts_help(&wide, f);
	fclose(f);
	CHECK_STR(text, "usage: t\n\nOptions:\n"
			"  --name NAME      a name\n"
			"  --exactly-fits N one space before\n"
			"  --a-very-long-flag-name\n"
			"                   wider than the column,\n"
			"                   below it\n");
	free(text);
}

UNIT_MAIN(UNIT_CASE(flags_and_both_value_forms), UNIT_CASE(ints_and_doubles_within_bounds),
	  UNIT_CASE(enums_and_dates), UNIT_CASE(repeated_options_and_where),
	  UNIT_CASE(missing_and_unknown_options), UNIT_CASE(operands),
	  UNIT_CASE(help_from_the_rows), UNIT_CASE(wide_rows_alone))
