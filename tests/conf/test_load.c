/* test_load.c — config files on disk and the standard lookup order:
 * $XDG_CONFIG_HOME/assay/config (else ~/.config/assay/config), ./assay.conf. */
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assay/conf.h"
#include "unit.h"

static char dir[PATH_MAX];

/* Writes text to dir/rel, creating parent folders. */
static void put(const char *rel, const char *text)
{
	char path[PATH_MAX * 2];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static const char *at(const char *rel)
{
	static char path[PATH_MAX * 2];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	return path;
}

static void setup(void)
{
	if (dir[0])
		return;
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/assay-conf-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
}

TEST(test_load_file)
{
	setup();
	put("a.conf", "[s]\nk = v\n");
	conf *c = conf_new();
	assay_error err;
	CHECK_INT(conf_load_file(c, at("a.conf"), &err), 0);
	CHECK_STR(conf_get(c, "s.k", NULL), "v");
	int line;
	CHECK_STR(conf_origin(c, "s.k", &line), at("a.conf"));
	put("bad.conf", "ok = 1\nnope\n");
	CHECK_INT(conf_load_file(c, at("bad.conf"), &err), ASSAY_EFORMAT);
	char want[PATH_MAX * 3];
	snprintf(want, sizeof want, "%s:2: expected \"key = value\", got \"nope\"", at("bad.conf"));
	CHECK_STR(err.msg, want);
	conf_free(c);
}

TEST(test_load_file_errors)
{
	setup();
	conf *c = conf_new();
	assay_error err;
	char want[PATH_MAX * 3];
	CHECK_INT(conf_load_file(c, at("missing.conf"), &err), ASSAY_ENOTFOUND);
	snprintf(want, sizeof want, "cannot open %s: No such file or directory",
		 at("missing.conf"));
	CHECK_STR(err.msg, want);
	CHECK_INT(conf_load_file(c, dir, &err), ASSAY_EIO);
	CHECK_CONTAINS(err.msg, "it is a directory");
	put("plain", "x");
	CHECK_INT(conf_load_file(c, at("plain/sub.conf"), &err), ASSAY_ENOTFOUND);
	/* A file over 1 MiB is refused without reading it all. */
	FILE *f = fopen(at("big.conf"), "wb");
	for (int i = 0; f && i < CONF_MAX_FILE / 16 + 1; i++)
		fputs("# 16 bytes line\n", f);
	if (f)
		fclose(f);
	CHECK_INT(conf_load_file(c, at("big.conf"), &err), ASSAY_EFORMAT);
	snprintf(want, sizeof want, "%s: file larger than 1048576 bytes (1 MiB)", at("big.conf"));
	CHECK_STR(err.msg, want);
	/* Exactly 1 MiB is fine. */
	f = fopen(at("edge.conf"), "wb");
	for (int i = 0; f && i < CONF_MAX_FILE / 16; i++)
		fputs("# 16 bytes line\n", f);
	if (f)
		fclose(f);
	CHECK_INT(conf_load_file(c, at("edge.conf"), &err), 0);
	if (geteuid() != 0) {
		put("secret.conf", "a = 1\n");
		chmod(at("secret.conf"), 0);
		CHECK_INT(conf_load_file(c, at("secret.conf"), &err), ASSAY_EIO);
		CHECK_CONTAINS(err.msg, "Permission denied");
	}
	CHECK_INT(conf_count(c), 0);
	conf_free(c);
}

/* Runs conf_load_default from dir/cwd with the given environment. */
static int load_default(conf *c, const char *xdg, const char *home, const char *cwd,
			const char *explicit_path, assay_error *err)
{
	char old[PATH_MAX];
	CHECK(getcwd(old, sizeof old) != NULL);
	if (xdg)
		setenv("XDG_CONFIG_HOME", xdg, 1);
	else
		unsetenv("XDG_CONFIG_HOME");
	if (home)
		setenv("HOME", home, 1);
	else
		unsetenv("HOME");
	CHECK_INT(chdir(at(cwd)), 0);
	int rc = conf_load_default(c, explicit_path, err);
	CHECK_INT(chdir(old), 0);
	return rc;
}

TEST(test_default_lookup)
{
	setup();
	char xdg[PATH_MAX * 2], home[PATH_MAX * 2];
	snprintf(xdg, sizeof xdg, "%s/xdg", dir);
	snprintf(home, sizeof home, "%s/home", dir);
	put("xdg/assay/config", "who = xdg\nxdg.only = 1\n");
	put("home/.config/assay/config", "who = home\nhome.only = 1\n");
	put("proj/assay.conf", "who = project\n");
	put("empty/.keep", "");
	assay_error err;

	conf *c = conf_new();
	CHECK_INT(load_default(c, xdg, home, "proj", NULL, &err), 0);
	CHECK_STR(conf_get(c, "who", NULL), "project");
	CHECK_STR(conf_get(c, "xdg.only", NULL), "1");
	CHECK(!conf_has(c, "home.only"));
	CHECK_STR(conf_origin(c, "who", NULL), "assay.conf");
	conf_free(c);

	/* No XDG_CONFIG_HOME, or a relative one: ~/.config. */
	c = conf_new();
	CHECK_INT(load_default(c, NULL, home, "empty", NULL, &err), 0);
	CHECK_STR(conf_get(c, "who", NULL), "home");
	conf_free(c);
	c = conf_new();
	CHECK_INT(load_default(c, "relative/dir", home, "empty", NULL, &err), 0);
	CHECK_STR(conf_get(c, "who", NULL), "home");
	conf_free(c);

	/* Nothing anywhere is fine. */
	c = conf_new();
	CHECK_INT(load_default(c, NULL, NULL, "empty", NULL, &err), 0);
	CHECK_INT(conf_count(c), 0);
	conf_free(c);

	/* An explicit file replaces the lookup and must exist. */
	c = conf_new();
	char mine[PATH_MAX * 2], nope[PATH_MAX * 2];
	put("mine.conf", "who = explicit\n");
	snprintf(mine, sizeof mine, "%s", at("mine.conf"));
	snprintf(nope, sizeof nope, "%s", at("nope.conf"));
	CHECK_INT(load_default(c, xdg, home, "proj", mine, &err), 0);
	CHECK_STR(conf_get(c, "who", NULL), "explicit");
	CHECK(!conf_has(c, "xdg.only"));
	CHECK_INT(load_default(c, xdg, home, "proj", nope, &err), ASSAY_ENOTFOUND);
	CHECK_CONTAINS(err.msg, "nope.conf: No such file or directory");
	conf_free(c);

	/* A broken file on the way stops the lookup with its message. */
	put("broken/assay.conf", "who = \"x\n");
	c = conf_new();
	CHECK_INT(load_default(c, xdg, home, "broken", NULL, &err), ASSAY_EFORMAT);
	CHECK_STR(err.msg, "assay.conf:1: unterminated quote (expected a closing \")");
	CHECK_STR(conf_get(c, "who", NULL), "xdg");
	conf_free(c);
}

TEST(test_cleanup)
{
	char cmd[PATH_MAX + 32];
	if (!dir[0])
		return;
	chmod(at("secret.conf"), 0600);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK_INT(system(cmd), 0);
}

UNIT_MAIN(UNIT_CASE(test_load_file), UNIT_CASE(test_load_file_errors),
	  UNIT_CASE(test_default_lookup), UNIT_CASE(test_cleanup))
