/* db.c — opening, identifying and closing the database, and which files
 * are the database's own (transactions and lock waits: db_tx.c). */
#include "store_int.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_BUSY_MS 15000

/* Reads a pragma's integer value. */
static int pragma_int(store *s, const char *sql, int64_t *out, assay_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		}
	}
	int code = rc == SQLITE_OK || rc == SQLITE_DONE ? ASSAY_OK
							 : store_sqlerr(s, rc, err, "reading the header");
	sqlite3_finalize(st);
	return code;
}

/* Whether target names an SQLite file rather than a database server: a
 * URI such as postgresql://HOST/DB is never taken for a path (nothing is
 * looked up, created or opened by that name). */
static bool is_sqlite_path(const char *target)
{
	const char *p = target;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	return !(p > target && isalpha((unsigned char)target[0]) && strncmp(p, "://", 3) == 0);
}

/* What a file that can never hold a database is, for the message. */
static const char *kind_of(mode_t mode)
{
	return S_ISDIR(mode)    ? "a directory"
	       : S_ISFIFO(mode) ? "a FIFO (named pipe)"
	       : S_ISCHR(mode)  ? "a character device"
	       : S_ISBLK(mode)  ? "a block device"
	       : S_ISSOCK(mode) ? "a socket"
				: "not a regular file";
}

/* Refuses, before anything opens it, a database path that exists and is
 * not a regular file (symbolic links followed), and a side file SQLite
 * would open beside file, the path resolved (-journal, -wal, -shm), that
 * is not one either or is a symbolic link (never followed): opening a
 * FIFO blocks, a device swallows or invents the pages, SQLite would create
 * its side files beside a device (/dev/full-journal) and write through a
 * linked one. */
static int check_path_kind(const char *path, const char *file, assay_error *err)
{
	static const char *const suffix[] = {"", "-journal", "-wal", "-shm"};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(suffix); i++) {
		char p[4096];
		struct stat st;
		if (snprintf(p, sizeof p, "%s%s", i ? file : path, suffix[i]) >= (int)sizeof p)
			return assay_fail(err, ASSAY_EINVAL, "%s: the path is too long", path);
		const char *what = NULL;
		/* a side file is never followed: SQLite would write through a link
		 * into whatever it names (and refuses it only with a vague error) */
		if (i > 0 && lstat(p, &st) == 0 && S_ISLNK(st.st_mode))
			return assay_fail(err, ASSAY_EINVAL, "%s: its %s file is a symbolic link (%s); "
					  "refusing to open the database beside it",
					  path, suffix[i], p);
		if (stat(p, &st) == 0)
			what = S_ISREG(st.st_mode) ? NULL : kind_of(st.st_mode);
		else if (errno != ENOENT)
			return assay_fail(err, ASSAY_EIO, "%s: %s", p, strerror(errno));
		else if (lstat(p, &st) == 0)
			what = "a symbolic link to nothing";
		if (what && i == 0)
			return assay_fail(err, ASSAY_EINVAL, "%s: is %s, not a database file; give "
					  "--db the path of a database file (or of a new one)",
					  path, what);
		if (what)
			return assay_fail(err, ASSAY_EINVAL, "%s: is %s, not a side file of the "
					  "database %s; refusing to open the database beside it",
					  p, what, path);
	}
	return ASSAY_OK;
}

/* Checks the first bytes of an existing, non-empty file for SQLite's magic,
 * so a file of another kind is refused before SQLite touches it. */
static int check_magic(const char *path, assay_error *err)
{
	/* never blocks, should a FIFO have taken the file's place */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return assay_fail(err, ASSAY_EIO, "%s: cannot open: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return assay_fail(err, ASSAY_EINVAL, "%s: not a regular file", path);
	}
	char head[16];
	ssize_t n = read(fd, head, sizeof head);
	close(fd);
	if (n != (ssize_t)sizeof head || memcmp(head, "SQLite format 3", 16) != 0)
		return assay_fail(err, ASSAY_ENOTDB,
				  "%s: not an assay database (not an SQLite file); refusing to touch "
				  "it. Pass another --db path",
				  path);
	return ASSAY_OK;
}

/* Words an SQLite error met through the SQL interface as the store's own
 * statements do (store_sqlerr). */
static int sqlite_fail(void *ud, int rc, assay_error *err, const char *what)
{
	return store_sqlerr(ud, rc, err, what);
}

/* Decides, before anything is written, whether path may be opened: returns
 * 1 when it is missing or empty (a new database), 0 when it exists. */
static int probe_file(const char *path, const store_options *opt, assay_error *err)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		if (errno != ENOENT)
			return assay_fail(err, ASSAY_EIO, "%s: %s", path, strerror(errno));
		if (opt->readonly || opt->must_exist)
			return assay_fail(err, ASSAY_ENOTFOUND,
					  "%s: no such database (create one with 'assay import')",
					  path);
		int fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			return assay_fail(err, ASSAY_EIO, "%s: cannot create: %s", path,
					  strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (st.st_size == 0)
		return 1;
	int rc = check_magic(path, err);
	return rc < 0 ? rc : 0;
}

/* Refuses SQLite files that belong to another application or to a newer
 * assay; returns the schema version found (0 for a fresh file). */
static int identify(store *s, bool fresh, int64_t *version, assay_error *err)
{
	int64_t app = 0, tables = 0;
	int rc;
	if ((rc = pragma_int(s, "PRAGMA application_id", &app, err)) < 0 ||
	    (rc = pragma_int(s, "PRAGMA user_version", version, err)) < 0 ||
	    (rc = pragma_int(s, "SELECT count(*) FROM sqlite_schema", &tables, err)) < 0)
		return rc;
	if (app == STORE_APPLICATION_ID) {
		if (*version > STORE_SCHEMA_VERSION)
			return assay_fail(err, ASSAY_EVERSION,
					  "%s: written by a newer assay (schema version %lld; this "
					  "assay understands up to %d); upgrade assay to open it",
					  s->path, (long long)*version, STORE_SCHEMA_VERSION);
		return ASSAY_OK;
	}
	if (tables == 0 && *version == 0) {
		if (s->readonly)
			return assay_fail(err, ASSAY_ENOTFOUND, "%s: empty database (nothing imported yet)",
					  s->path);
		*version = 0;
		return ASSAY_OK;
	}
	(void)fresh;
	return assay_fail(err, ASSAY_ENOTDB,
			  "%s: an SQLite database, but not an assay database (%lld tables, "
			  "application id %lld); refusing to modify it",
			  s->path, (long long)tables, (long long)app);
}

/* A server's address: a PostgreSQL store is opened there (db_pg.c), any
 * other is refused. */
static int open_server(const char *path, const store_options *opt, store **out,
		       assay_error *err)
{
	if (dbi_is_pg_uri(path))
		return store_open_pg(path, opt, out, err);
	char label[1024];
	dbi_redact(path, label, sizeof label);
	return assay_fail(err, ASSAY_EINVAL, "%s: a database server's address; this assay "
			  "opens SQLite database files and PostgreSQL servers "
			  "(postgresql://...) only", label);
}

/* The connection's functions, settings and its dbi wrapper. */
static int configure(store *s, const store_options *opt, assay_error *err)
{
	int rc;
	if (score_pack_register(s->db) < 0 || store_sink_register(s) < 0)
		return store_sqlerr(s, sqlite3_errcode(s->db), err, "registering functions");
	if ((rc = dbi_wrap_sqlite(s->db, s->path, sqlite_fail, s, &s->dbi, err)) < 0)
		return rc;
	s->busy_ms = opt->busy_timeout_ms > 0 ? opt->busy_timeout_ms : DEFAULT_BUSY_MS;
	store_busy_poll(s->db, s->busy_ms);
	sqlite3_extended_result_codes(s->db, 1);
	/* Reading connections scan: pages are read once, so a small cache
	 * recycles its buffers instead of faulting in 16 MiB of new ones
	 * (stats at 1M decisions: 0.33 s -> 0.23 s; export 10% faster). */
	if ((rc = store_exec(s, opt->small_cache || s->readonly
				       ? "PRAGMA foreign_keys = ON; PRAGMA cache_size = -2000;"
				       : "PRAGMA foreign_keys = ON; PRAGMA cache_size = -16000;",
			     err)) < 0)
		return rc;
	if (s->readonly)
		return ASSAY_OK;
	if ((rc = store_exec(s, "PRAGMA journal_mode = WAL", err)) < 0)
		return assay_error_prefix(err, "switching to WAL");
	return store_exec(s, opt->sync_full ? "PRAGMA synchronous = FULL"
					    : "PRAGMA synchronous = NORMAL",
			  err);
}

/* Whether the old table of scores is still there (one seek in the schema). */
static int old_scores(store *s, bool *yes, assay_error *err)
{
	int64_t n = 0;
	int rc = pragma_int(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
			       " AND name = 'scores'", &n, err);
	*yes = n > 0;
	return rc;
}

static int migrate(store *s, const store_options *opt, int64_t version, assay_error *err)
{
	bool old = false, missing = false;
	if (s->readonly)
		return ASSAY_OK;
	if (version == STORE_SCHEMA_VERSION &&
	    (old_scores(s, &old, err) < 0 || store_schema_missing(s, &missing, err) < 0))
		return err->code;
	if (version == STORE_SCHEMA_VERSION && !old && !missing)
		return store_quality_repair(s, err); /* a scoring pass killed */
	int rc = store_begin(s, err);
	if (rc < 0)
		return rc;
	/* Another process may have migrated while we waited for the lock. */
	if ((rc = pragma_int(s, "PRAGMA user_version", &version, err)) < 0)
		goto fail;
	if (version > 0 && version < STORE_SCHEMA_VERSION && opt->upgrading)
		opt->upgrading(opt->ud, s->path, (int)version, STORE_SCHEMA_VERSION);
	/* texts stored twice by an earlier build: moved once the step is in */
	bool once = version == 0;
	if (version >= 3 && (rc = store_schema_text_once(s, &once, err)) < 0)
		goto fail;
	/* combined scores in samples.quality: moved once the step is in */
	bool moved = version == 0;
	if (version > 0 && (rc = store_schema_quality_moved(s, &moved, err)) < 0)
		goto fail;
	/* the migrations, or the steps an earlier build's version 3 lacks */
	if ((rc = store_schema_apply(s, (int)version, err)) < 0)
		goto fail;
	if (!once && (rc = store_text_move(s, opt->text_progress, opt->ud, err)) < 0)
		goto fail;
	if (!moved && (rc = store_quality_move(s, opt->quality_progress, opt->ud, err)) < 0) {
		assay_error_prefix(err, "moving the combined scores to their own table");
		goto fail;
	}
	/* version 3 as earlier builds left it: scores one row per scorer */
	if ((rc = score_relayout(s, false, opt->upgrade_progress, opt->ud, err)) < 0) {
		assay_error_prefix(err, "storing the scores one row per sample");
		goto fail;
	}
	if ((rc = store_quality_repair(s, err)) < 0)
		goto fail;
	return store_commit(s, err);
fail:
	store_rollback(s);
	return rc;
}

/* SQLite counts every allocation under one global mutex unless told not
 * to; assay never asks for the counts, and the parallel readers of stats
 * would queue on that mutex. Must run before SQLite initialises. */
static void configure_library(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* The size of the database's side file path + suffix ("-wal", "-shm"),
 * or -1 when there is none. */
static off_t side_file(const char *path, const char *suffix)
{
	char p[4096];
	struct stat st;
	if (snprintf(p, sizeof p, "%s%s", path, suffix) >= (int)sizeof p || stat(p, &st) != 0)
		return -1;
	return st.st_size;
}

/* A reader of a WAL database needs its -shm file, and creates it when it
 * is missing, which a directory it may not write (or a read-only file
 * system) forbids. Then, with no -wal holding commits and no -shm, nobody
 * is writing the file, and it is opened as immutable: read as it is, no
 * locks, no -shm. Returns the URI for that, or NULL for the usual open. */
static char *immutable_uri(const char *path)
{
	char *copy = assay_strdup(path);
	if (!copy)
		return NULL;
	bool dir_writable = access(dirname(copy), W_OK) == 0 && !store_on_read_only_fs(path);
	free(copy);
	if (dir_writable || side_file(path, "-shm") >= 0 || side_file(path, "-wal") > 0)
		return NULL;
	abuf b = {0};
	abuf_puts(&b, path[0] == '/' ? "file://" : "file:");
	for (const char *p = path; *p; p++)
		if (*p == '%' || *p == '?' || *p == '#')
			abuf_printf(&b, "%%%02X", (unsigned char)*p);
		else
			abuf_putc(&b, *p);
	abuf_puts(&b, "?immutable=1");
	return abuf_take(&b);
}

/* Whether a version-3 file is behind this build's layout: its scores one
 * row per scorer, or steps of version 3 missing. */
static int layout_behind(store *s, int64_t version, bool *old, bool *missing, assay_error *err)
{
	*old = *missing = false;
	if (version != STORE_SCHEMA_VERSION)
		return ASSAY_OK;
	int rc = old_scores(s, old, err);
	return rc < 0 ? rc : store_schema_missing(s, missing, err);
}

/* A reading command on an older database: upgrade it once through a
 * writing connection when the file allows, then read. Where it cannot be
 * written, it is read as it is (every released schema step so far only
 * adds or widens indexes). */
static int upgrade_then_read(const char *path, const store_options *opt, store **out,
			     assay_error *err)
{
	store_options rw = *opt;
	rw.readonly = false;
	store *w;
	int rc = store_open(path, &rw, &w, err);
	if (rc < 0)
		return assay_error_prefix(err, "upgrading to schema version %d",
					  STORE_SCHEMA_VERSION);
	store_close(w);
	return store_open(path, opt, out, err);
}

/* Opens path; again (another connection of this process to a store it has
 * open) skips the file's first check, which opens and closes the file
 * itself: closing any descriptor of a file drops every POSIX lock the
 * process holds on it, the open connection's included, and another process
 * could then take that connection for gone (checkpoint, delete its -wal
 * file under it). The first connection checked the file already. */
static int open_store(const char *path, const store_options *optp, bool again, store **out,
		      assay_error *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, configure_library);
	store_options opt = optp ? *optp : (store_options){0};
	*out = NULL;
	int fresh;
	char *real = NULL;
	if (!is_sqlite_path(path))
		return open_server(path, &opt, out, err);
	/* A symbolic link is opened as the file it names, so the side files
	 * are the target's whatever name each process uses. */
	struct stat lst;
	if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
		real = realpath(path, NULL);
	const char *file = real ? real : path;
	if ((fresh = check_path_kind(path, file, err)) < 0 ||
	    (!again && (fresh = probe_file(path, &opt, err)) < 0)) {
		free(real);
		return fresh;
	}
	store *s = calloc(1, sizeof *s);
	if (!s || !(s->path = assay_strdup(path))) {
		free(s);
		free(real);
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	s->readonly = opt.readonly;
	s->command = opt.command;
	int flags = opt.readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	char *uri = opt.readonly ? immutable_uri(file) : NULL;
	bool immutable = uri != NULL;
	int rc = sqlite3_open_v2(uri ? uri : file, &s->db,
				 flags | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX |
				     (uri ? SQLITE_OPEN_URI : 0),
				 NULL);
	free(uri);
	free(real);
	int64_t version = 0;
	if (rc != SQLITE_OK) {
		rc = store_sqlerr(s, rc, err, "opening");
		goto fail;
	}
	s->busy_ms = opt.busy_timeout_ms > 0 ? opt.busy_timeout_ms : DEFAULT_BUSY_MS;
	store_busy_poll(s->db, s->busy_ms);
	if ((rc = identify(s, fresh == 1, &version, err)) < 0)
		goto fail;
	bool old = false, missing = false;
	if (opt.readonly && (rc = layout_behind(s, version, &old, &missing, err)) < 0)
		goto fail;
	if (opt.readonly && version > 0 && (version < STORE_SCHEMA_VERSION || old || missing) &&
	    !immutable && access(path, W_OK) == 0) {
		store_close(s);
		return upgrade_then_read(path, &opt, out, err);
	}
	if ((rc = configure(s, &opt, err)) < 0 || (rc = migrate(s, &opt, version, err)) < 0)
		goto fail;
	/* an older layout read as it is: its scores copied for this connection */
	if (opt.readonly && version > 0 && (version < STORE_SCHEMA_VERSION || old) &&
	    ((rc = score_relayout(s, true, NULL, NULL, err)) < 0 ||
	     (rc = store_quality_temp(s, err)) < 0))
		goto fail;
	*out = s;
	return ASSAY_OK;
fail:
	store_close(s);
	return rc;
}

int store_open(const char *path, const store_options *optp, store **out, assay_error *err)
{
	return open_store(path, optp, false, out, err);
}

void store_close(store *s)
{
	if (!s)
		return;
	if (s->in_tx)
		store_rollback(s);
	store_ckpt_stop(s);
	dbi_close(s->dbi);
	for (size_t i = 0; i < STORE_STMT_SLOTS; i++)
		if (s->stmts[i].stmt)
			sqlite3_finalize(s->stmts[i].stmt);
	sqlite3_close(s->db);
	score_slots_forget(s);
	scores_pg_pending_free(s);
	free(s->path);
	free(s->target);
	free(s->name);
	free(s);
}

const char *store_path(const store *s)
{
	return s->path;
}

const char *store_name(const store *s)
{
	return s->name ? s->name : s->path;
}

int store_open_reader(store *s, store **out, assay_error *err)
{
	store_options opt = {.readonly = true, .must_exist = true, .command = s->command};
	return open_store(s->target ? s->target : s->path, &opt, true, out, err);
}

/* The files SQLite keeps beside the database, and how a message names them. */
static const char *const own_suffix[] = {"", "-wal", "-shm", "-journal"};
static const char *const own_name[] = {"the database", "its -wal file", "its -shm file",
				       "its -journal file"};

/* Whether path names (existing or not) the file base in directory dir. */
static bool same_name(const char *path, const struct stat *dir, const char *base)
{
	char *copy = assay_strdup(path), *copy2 = assay_strdup(path);
	struct stat d;
	bool same = copy && copy2 && stat(dirname(copy), &d) == 0 && assay_same_file(&d, dir) &&
		    strcmp(basename(copy2), base) == 0;
	free(copy);
	free(copy2);
	return same;
}

const char *store_own_file(const store *s, const char *path, const struct stat *st)
{
	char *real = realpath(s->path, NULL);
	char *dir_copy = real ? assay_strdup(real) : NULL;
	struct stat dir;
	bool have_dir = dir_copy && stat(dirname(dir_copy), &dir) == 0;
	free(dir_copy);
	const char *found = NULL;
	abuf name = {0}, base = {0};
	for (size_t i = 0; real && i < ASSAY_ARRAY_LEN(own_suffix) && !found; i++) {
		abuf_reset(&name);
		abuf_reset(&base);
		abuf_printf(&name, "%s%s", real, own_suffix[i]);
		abuf_printf(&base, "%s%s", strrchr(real, '/') + 1, own_suffix[i]);
		struct stat f;
		if (!name.data || !base.data)
			break;
		if (st && stat(name.data, &f) == 0 && assay_same_file(st, &f))
			found = own_name[i];
		else if (path && have_dir && same_name(path, &dir, base.data))
			found = own_name[i];
	}
	abuf_free(&name);
	abuf_free(&base);
	free(real);
	return found;
}
