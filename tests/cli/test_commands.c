/* Tests of the command table (src/cli/commands.c): what `assay CMD --help`
 * prints is the help generated from the command's option table, it shows
 * every option of the table, and names no option the table lacks. */
#include <ctype.h>
#include <string.h>

#include "capture.h"
#include "opt.h"
#include "unit.h"

/* What `assay CMD --help` prints, run in this process. */
static char *help_of(const cli_command *cmd, int *code)
{
	cli_ctx ctx = {.db = "unused.db", .cmd = cmd->name};
	char *argv[] = {(char *)cmd->name, "--help", NULL};
	capture c;
	capture_begin(&c, 1);
	*code = cmd->run(&ctx, 2, argv);
	return capture_end(&c);
}

static char *generated(const cli_opts *spec)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cli_opts_help(spec, f);
	fclose(f);
	return text;
}

static const cli_opt *row_named(const cli_opts *spec, const char *name, size_t len)
{
	for (const cli_opt *o = spec->rows; o->kind != CLI_OPT_END; o++)
		if (o->kind != CLI_OPT_TEXT && strlen(o->name) == len &&
		    strncmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

/* Every row's left part begins a line of the help. */
static void check_rows_shown(const cli_command *cmd, const char *help)
{
	for (const cli_opt *o = cmd->opts->rows; o->kind != CLI_OPT_END; o++) {
		if (o->kind == CLI_OPT_TEXT)
			continue;
		char left[160], line[170], alone[170];
		cli_opt_left(o, left, sizeof left);
		snprintf(line, sizeof line, "\n  %s ", left);
		snprintf(alone, sizeof alone, "\n  %s\n", left); /* wide_alone */
		bool shown = strstr(help, line) || (cmd->opts->wide_alone && strstr(help, alone));
		if (!shown)
			printf("#   assay %s --help lacks '%s'\n", cmd->name, left);
		CHECK(shown);
	}
}

/* Whether the word before p is another command's name than self's
 * ("import --pair" names import's option). */
static bool after_command(const char *self, const char *help, const char *p)
{
	const char *end = p;
	while (end > help && isspace((unsigned char)end[-1])) /* a wrapped line too */
		end--;
	const char *start = end;
	while (start > help && islower((unsigned char)start[-1]))
		start--;
	for (size_t i = 0; i < cli_n_commands && start < end; i++)
		if (strcmp(cli_commands[i].name, self) != 0 && strlen(cli_commands[i].name) == (size_t)(end - start) &&
		    strncmp(cli_commands[i].name, start, (size_t)(end - start)) == 0)
			return true;
	return false;
}

/* Every --word of the help (the usage line, the text, the rows) is an
 * option of the table, but another command's ("import --pair"). */
static void check_no_other_options(const cli_command *cmd, const char *help)
{
	for (const char *p = strstr(help, "--"); p; p = strstr(p + 2, "--")) {
		if (p > help && (isalnum((unsigned char)p[-1]) || p[-1] == '-'))
			continue;
		size_t n = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz0123456789-");
		if (n == 0 || after_command(cmd->name, help, p))
			continue;
		if (!row_named(cmd->opts, p + 2, n))
			printf("#   assay %s --help names --%.*s, not in its table\n", cmd->name,
			       (int)n, p + 2);
		CHECK(row_named(cmd->opts, p + 2, n) != NULL);
	}
}

TEST(every_help_is_its_option_table)
{
	size_t tables = 0;
	for (size_t i = 0; i < cli_n_commands; i++) {
		const cli_command *cmd = &cli_commands[i];
		if (!cmd->opts)
			printf("# %s: no option table\n", cmd->name);
		CHECK(cmd->opts != NULL);
		if (!cmd->opts)
			continue;
		tables++;
		int code;
		char *help = help_of(cmd, &code);
		char *want = generated(cmd->opts);
		CHECK_INT(code, 0);
		CHECK_STR(help, want);
		check_rows_shown(cmd, help);
		check_no_other_options(cmd, help);
		free(help);
		free(want);
	}
	CHECK(tables == cli_n_commands);
}

/* Each row is reachable: its long name, and its letter, belong to it only. */
TEST(no_two_rows_share_a_name)
{
	for (size_t i = 0; i < cli_n_commands; i++) {
		const cli_opts *spec = cli_commands[i].opts;
		for (const cli_opt *o = spec ? spec->rows : NULL; o && o->kind != CLI_OPT_END; o++)
			for (const cli_opt *p = o + 1; o->kind != CLI_OPT_TEXT && p->kind != CLI_OPT_END;
			     p++) {
				if (p->kind == CLI_OPT_TEXT)
					continue;
				CHECK(strcmp(o->name, p->name) != 0);
				CHECK(!o->letter || o->letter != p->letter);
			}
	}
}

UNIT_MAIN(UNIT_CASE(every_help_is_its_option_table), UNIT_CASE(no_two_rows_share_a_name))
