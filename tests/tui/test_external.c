/* test_external.c — unit tests for src/tui/external.c: splitting $EDITOR
 * without a shell, and running fake editors (shell scripts) on the temp
 * file: permissions, cleanup, exit statuses, invalid results. */
#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/tui/editor.h"
#include "unit.h"

/* Splits cmd and checks the words (want is NULL-terminated). */
static void check_split(const char *cmd, const char *const *want)
{
	char **argv = NULL;
	size_t argc = 99;
	assay_error err = {0};
	CHECK_INT(tui_split_command(cmd, &argv, &argc, &err), ASSAY_OK);
	size_t n = 0;
	while (want[n])
		n++;
	CHECK_INT(argc, n);
	for (size_t i = 0; i < n && i < argc; i++)
		CHECK_STR(argv[i], want[i]);
	if (argv)
		CHECK(argv[argc] == NULL);
	tui_argv_free(argv);
}

TEST(split_plain_and_quoted)
{
	check_split("vim", (const char *[]){"vim", NULL});
	check_split("  code   --wait\t", (const char *[]){"code", "--wait", NULL});
	check_split("\"my editor\" -f", (const char *[]){"my editor", "-f", NULL});
	check_split("sh -c 'exit 3'", (const char *[]){"sh", "-c", "exit 3", NULL});
	check_split("'a b'\\ c", (const char *[]){"a b c", NULL});
	check_split("a\\\"b", (const char *[]){"a\"b", NULL});
	check_split("\"x\\\"y\\\\z\\q\"", (const char *[]){"x\"y\\z\\q", NULL});
	check_split("'it''s' '$HOME' \"`x`\"", (const char *[]){"its", "$HOME", "`x`", NULL});
	check_split("'' e", (const char *[]){"", "e", NULL});
	check_split("a\\", (const char *[]){"a\\", NULL});
	check_split("ed;rm -rf x|y", (const char *[]){"ed;rm", "-rf", "x|y", NULL});
}

TEST(split_rejects_bad_commands)
{
	char **argv = NULL;
	assay_error err = {0};
	CHECK_INT(tui_split_command("", &argv, NULL, &err), ASSAY_EINVAL);
	CHECK_INT(tui_split_command("   \t ", &argv, NULL, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "empty");
	CHECK_INT(tui_split_command("vim 'abc", &argv, NULL, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "unterminated");
	CHECK_INT(tui_split_command("vim \"abc\\\"", &argv, NULL, &err), ASSAY_EINVAL);
	CHECK(argv == NULL);
}

static char scratch[256];

/* A fresh directory for scripts, logs and TMPDIR. */
static const char *fresh_dir(void)
{
	snprintf(scratch, sizeof scratch, "/tmp/assay-ext-test-XXXXXX");
	if (!mkdtemp(scratch))
		abort();
	return scratch;
}

static char *script(const char *dir, const char *name, const char *body)
{
	static char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0755);
	return path;
}

static char *read_text(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Number of entries in dir besides . and .. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

/* Runs tui_external_edit with TMPDIR=dir/tmp and the given $EDITOR. */
static int run_ext(const char *dir, const char *editor, const char *text, char **out, bool *changed,
		   assay_error *err)
{
	char tmp[512];
	snprintf(tmp, sizeof tmp, "%s/tmp", dir);
	mkdir(tmp, 0700);
	setenv("TMPDIR", tmp, 1);
	unsetenv("VISUAL");
	setenv("EDITOR", editor, 1);
	size_t len = 0;
	int rc = tui_external_edit(text, strlen(text), out, &len, changed, err);
	if (*out)
		CHECK_INT(len, strlen(*out));
	CHECK_INT(entries(tmp), 0); /* the private directory is gone */
	return rc;
}

static void cleanup(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK_INT(system(cmd), 0);
}

TEST(external_edit_changes_text_in_a_private_file)
{
	const char *dir = fresh_dir();
	char log[300], body[1400];
	snprintf(log, sizeof log, "%s/log", dir);
	snprintf(body, sizeof body,
		 "stat -c %%a \"$1\" > '%s'\nstat -c %%a \"$(dirname \"$1\")\" >> '%s'\n"
		 "echo \"$#\" >> '%s'\nsed -i s/cat/dog/ \"$1\"",
		 log, log, log);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "'%s' ", script(dir, "fake ed", body));
	char *out = NULL;
	bool changed = false;
	assay_error err = {0};
	CHECK_INT(run_ext(dir, cmd, "a cat sat\nthe cat", &out, &changed, &err), ASSAY_OK);
	CHECK(changed);
	CHECK_STR(out, "a dog sat\nthe dog"); /* sed: the first per line */
	CHECK_STR(read_text(log), "600\n700\n1\n");
	free(out);
	cleanup(dir);
}

TEST(external_edit_unchanged_and_trailing_newline)
{
	const char *dir = fresh_dir();
	char *out = NULL;
	bool changed = true;
	assay_error err = {0};
	CHECK_INT(run_ext(dir, "true", "keep me", &out, &changed, &err), ASSAY_OK);
	CHECK(!changed);
	CHECK(out == NULL);
	/* An editor that adds a final newline has not changed the text... */
	char *ed = script(dir, "nl", "printf '\\n' >> \"$1\"");
	CHECK_INT(run_ext(dir, ed, "keep me", &out, &changed, &err), ASSAY_OK);
	CHECK(!changed);
	/* ...but a second one, or one the original had, counts. */
	ed = script(dir, "nl2", "printf '\\n\\n' >> \"$1\"");
	CHECK_INT(run_ext(dir, ed, "keep me", &out, &changed, &err), ASSAY_OK);
	CHECK(changed);
	CHECK_STR(out, "keep me\n");
	free(out);
	out = NULL;
	ed = script(dir, "rewrite", "printf 'new\\n' > \"$1\"");
	CHECK_INT(run_ext(dir, ed, "old\n", &out, &changed, &err), ASSAY_OK);
	CHECK_STR(out, "new\n");
	free(out);
	out = NULL;
	/* The empty text, edited to something and to nothing. */
	CHECK_INT(run_ext(dir, ed, "", &out, &changed, &err), ASSAY_OK);
	CHECK_STR(out, "new");
	free(out);
	out = NULL;
	ed = script(dir, "empty", ": > \"$1\"");
	CHECK_INT(run_ext(dir, ed, "gone", &out, &changed, &err), ASSAY_OK);
	CHECK(changed);
	CHECK_STR(out, "");
	free(out);
	out = NULL;
	/* A sample with invalid UTF-8 left alone is no edit, not an error. */
	changed = true;
	CHECK_INT(run_ext(dir, "true",
			  "a\xff"
			  "b",
			  &out, &changed, &err),
		  ASSAY_OK);
	CHECK(!changed && out == NULL);
	cleanup(dir);
}

TEST(external_edit_failures_are_no_edit)
{
	const char *dir = fresh_dir();
	char *out = NULL;
	bool changed = true;
	assay_error err = {0};
	/* No shell: the quoted script is one argument, the file is $0. */
	CHECK_INT(run_ext(dir, "sh -c 'exit 3'", "x", &out, &changed, &err), ASSAY_ECONFLICT);
	CHECK_CONTAINS(err.msg, "status 3");
	CHECK(!changed && out == NULL);
	CHECK_INT(run_ext(dir, "sh -c 'kill -9 $$'", "x", &out, &changed, &err), ASSAY_ECONFLICT);
	CHECK_CONTAINS(err.msg, "signal 9");
	CHECK_INT(run_ext(dir, "/nonexistent/editor -w", "x", &out, &changed, &err),
		  ASSAY_ENOTFOUND);
	CHECK_CONTAINS(err.msg, "/nonexistent/editor");
	CHECK_INT(run_ext(dir, "vim 'oops", "x", &out, &changed, &err), ASSAY_EINVAL);
	char *ed = script(dir, "bad", "printf 'caf\\351' > \"$1\"");
	CHECK_INT(run_ext(dir, ed, "x", &out, &changed, &err), ASSAY_EFORMAT);
	CHECK_CONTAINS(err.msg, "UTF-8 (byte 3)");
	CHECK(!changed && out == NULL);
	ed = script(dir, "nul", "printf 'a\\000b' > \"$1\"");
	CHECK_INT(run_ext(dir, ed, "x", &out, &changed, &err), ASSAY_EFORMAT);
	ed = script(dir, "big", "head -c 17000000 /dev/zero | tr '\\000' a > \"$1\"");
	CHECK_INT(run_ext(dir, ed, "x", &out, &changed, &err), ASSAY_EFORMAT);
	CHECK_CONTAINS(err.msg, "larger than 16 MiB");
	ed = script(dir, "rm", "rm \"$1\"");
	CHECK_INT(run_ext(dir, ed, "x", &out, &changed, &err), ASSAY_EIO);
	CHECK(out == NULL);
	/* Backup files the editor leaves are removed with the directory. */
	ed = script(dir, "bak", "cp \"$1\" \"$1~\"; echo y > \"$1\"");
	CHECK_INT(run_ext(dir, ed, "x", &out, &changed, &err), ASSAY_OK);
	CHECK_STR(out, "y");
	free(out);
	cleanup(dir);
}

TEST(visual_wins_over_editor)
{
	const char *dir = fresh_dir();
	char tmp[512];
	snprintf(tmp, sizeof tmp, "%s/tmp", dir);
	mkdir(tmp, 0700);
	setenv("TMPDIR", tmp, 1);
	setenv("VISUAL", script(dir, "vis", "echo visual > \"$1\""), 1);
	setenv("EDITOR", "false", 1);
	char *out = NULL;
	bool changed = false;
	assay_error err = {0};
	CHECK_INT(tui_external_edit("t", 1, &out, NULL, &changed, &err), ASSAY_OK);
	CHECK_STR(out, "visual");
	free(out);
	/* An empty $VISUAL falls through to $EDITOR. */
	setenv("VISUAL", "", 1);
	out = NULL;
	CHECK_INT(tui_external_edit("t", 1, &out, NULL, &changed, &err), ASSAY_ECONFLICT);
	CHECK_CONTAINS(err.msg, "\"false\" exited with status 1");
	unsetenv("VISUAL");
	unsetenv("EDITOR");
	cleanup(dir);
}

UNIT_MAIN(UNIT_CASE(split_plain_and_quoted), UNIT_CASE(split_rejects_bad_commands),
	  UNIT_CASE(external_edit_changes_text_in_a_private_file),
	  UNIT_CASE(external_edit_unchanged_and_trailing_newline),
	  UNIT_CASE(external_edit_failures_are_no_edit), UNIT_CASE(visual_wins_over_editor))
