/* load.c — reading config files from disk and the standard lookup:
 * $XDG_CONFIG_HOME/assay/config (or ~/.config/assay/config), ./assay.conf. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf_int.h"

/* Reads at most CONF_MAX_FILE + 1 bytes of f into b. */
static int read_capped(FILE *f, abuf *b)
{
	char chunk[8192];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		size_t keep = ASSAY_MIN(got, (size_t)CONF_MAX_FILE + 1 - b->len);
		if (abuf_append(b, chunk, keep) != ASSAY_OK)
			return ASSAY_ENOMEM;
		if (b->len > CONF_MAX_FILE)
			break;
	}
	return ferror(f) ? ASSAY_EIO : ASSAY_OK;
}

int conf_load_file(conf *c, const char *path, assay_error *err)
{
	FILE *f = fopen(path, "rbe");
	if (!f) {
		int e = errno;
		int code = (e == ENOENT || e == ENOTDIR) ? ASSAY_ENOTFOUND : ASSAY_EIO;
		return assay_fail(err, code, "cannot open %s: %s", path, strerror(e));
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		return assay_fail(err, ASSAY_EIO, "cannot read %s: it is a directory", path);
	}
	abuf b = {0};
	int rc = read_capped(f, &b);
	int e = errno;
	fclose(f);
	if (rc == ASSAY_EIO)
		rc = assay_fail(err, rc, "cannot read %s: %s", path, strerror(e));
	else if (rc != ASSAY_OK)
		rc = assay_fail(err, rc, "%s: out of memory", path);
	else
		rc = conf_load_string(c, path, b.data ? b.data : "", b.len, err);
	abuf_free(&b);
	return rc;
}

/* Loads path when it exists; a missing file is not an error. */
static int load_optional(conf *c, const char *path, assay_error *err)
{
	int rc = conf_load_file(c, path, err);
	if (rc == ASSAY_ENOTFOUND) {
		assay_error_clear(err);
		return ASSAY_OK;
	}
	return rc;
}

int conf_load_default(conf *c, const char *explicit_path, assay_error *err)
{
	if (explicit_path)
		return conf_load_file(c, explicit_path, err);
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	abuf path = {0};
	int rc = ASSAY_OK;
	/* The XDG spec says a relative XDG_CONFIG_HOME is to be ignored. */
	if (xdg && xdg[0] == '/')
		rc = abuf_printf(&path, "%s/assay/config", xdg);
	else if (home && home[0])
		rc = abuf_printf(&path, "%s/.config/assay/config", home);
	if (rc != ASSAY_OK)
		rc = assay_fail(err, rc, "out of memory");
	else if (path.data)
		rc = load_optional(c, path.data, err);
	abuf_free(&path);
	if (rc == ASSAY_OK)
		rc = load_optional(c, "assay.conf", err);
	return rc;
}
