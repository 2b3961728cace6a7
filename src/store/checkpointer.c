/* checkpointer.c — while a bulk writer runs, the write-ahead log is folded
 * into the database on a thread of its own, with its own connection, so
 * the copying and syncing of a checkpoint is no longer inside the writer's
 * COMMIT. The writer's commits only wake it (a wal hook). */
#include "store_int.h"

#include <pthread.h>
#include <stdlib.h>

/* The writer's autocheckpoint in bulk mode when no thread runs (pages),
 * and the log's length that wakes the thread (frames). */
#define STORE_BULK_AUTOCHECKPOINT 20000
#define STORE_CKPT_EVERY	  8000

typedef struct store_ckpt store_ckpt;

struct store_ckpt {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* held through each checkpoint of the thread: the writer, far behind,
	 * waits for it and then folds the rest itself */
	pthread_mutex_t folding;
	sqlite3 *db; /* the thread's own connection to the file */
	bool wake;   /* a commit left the log at the threshold or beyond */
	bool stop;
	int every;		 /* frames in the log that wake the thread */
	store_ckpt_stats *stats; /* the store's: kept after the thread ends */
};

/* One passive checkpoint: copies what no reader still needs, waits for
 * no one; busy (another connection checkpointing) is as good. */
static int fold(sqlite3 *db, int64_t *runs, int64_t *frames)
{
	int log = 0, done = 0;
	int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	if (rc == SQLITE_OK) {
		__atomic_add_fetch(runs, 1, __ATOMIC_RELAXED);
		if (done > 0)
			__atomic_add_fetch(frames, done, __ATOMIC_RELAXED);
	}
	return rc;
}

static void *ckpt_main(void *arg)
{
	store_ckpt *c = arg;
	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->wake && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		c->wake = false;
		pthread_mutex_unlock(&c->mu);
		pthread_mutex_lock(&c->folding);
		fold(c->db, &c->stats->thread_runs, &c->stats->thread_frames);
		pthread_mutex_unlock(&c->folding);
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* After each commit of the writer, on its thread: frames is the log's
 * length. At the threshold the thread is woken. The log starts again from
 * its beginning only when a checkpoint has copied all of it before the
 * writer's next transaction: a thread copying while the writer commits in
 * quick succession can stay behind, so far beyond the threshold (or with a
 * reader holding the log) the writer waits for the thread's checkpoint and
 * folds the rest itself, and the log stays bounded (page lookups in a long
 * log are slow). */
static int on_commit(void *ud, sqlite3 *db, const char *name, int frames)
{
	(void)name;
	store_ckpt *c = ud;
	if (frames > c->stats->max_log)
		c->stats->max_log = frames;
	if (frames >= 4 * c->every) {
		pthread_mutex_lock(&c->folding);
		fold(db, &c->stats->writer_runs, &c->stats->writer_frames);
		pthread_mutex_unlock(&c->folding);
		return SQLITE_OK;
	}
	if (frames >= c->every) {
		pthread_mutex_lock(&c->mu);
		c->wake = true;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
	}
	return SQLITE_OK;
}

static void ckpt_free(store_ckpt *c)
{
	sqlite3_close(c->db);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	pthread_mutex_destroy(&c->folding);
	free(c);
}

/* The thread's connection: the file the writer opened (a symbolic link
 * already resolved), its sync setting. */
static int ckpt_open(store *s, store_ckpt *c, assay_error *err)
{
	const char *file = sqlite3_db_filename(s->db, "main");
	int rc = sqlite3_open_v2(
	    file, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(c->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return assay_fail(err, ASSAY_EDB, "%s: opening a connection for checkpoints: %s",
				  s->path, c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
	return ASSAY_OK;
}

int store_ckpt_start(store *s, assay_error *err)
{
	if (s->pg || s->readonly || s->ckpt)
		return ASSAY_OK;
	const char *file = sqlite3_db_filename(s->db, "main");
	if (!file || !*file) /* in memory: no log */
		return ASSAY_OK;
	store_ckpt *c = calloc(1, sizeof *c);
	if (!c)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	pthread_mutex_init(&c->mu, NULL);
	pthread_mutex_init(&c->folding, NULL);
	pthread_cond_init(&c->cv, NULL);
	c->every = s->ckpt_every > 0 ? s->ckpt_every : STORE_CKPT_EVERY;
	c->stats = &s->ckpt_stats;
	int rc = ckpt_open(s, c, err);
	if (rc == ASSAY_OK && pthread_create(&c->thread, NULL, ckpt_main, c) != 0)
		rc = assay_fail(err, ASSAY_ENOMEM, "starting the checkpoint thread");
	if (rc < 0) {
		ckpt_free(c);
		return rc;
	}
	/* replaces the autocheckpoint's own hook: the writer's commits no
	 * longer fold the log themselves */
	sqlite3_wal_hook(s->db, on_commit, c);
	s->ckpt = c;
	return ASSAY_OK;
}

void store_ckpt_stop(store *s)
{
	store_ckpt *c = s->ckpt;
	if (!c)
		return;
	sqlite3_wal_autocheckpoint(s->db, STORE_BULK_AUTOCHECKPOINT);
	pthread_mutex_lock(&c->mu);
	c->stop = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	ckpt_free(c);
	s->ckpt = NULL;
	/* the log left as small as the writer's own checkpoints left it */
	if (!s->in_tx)
		fold(s->db, &s->ckpt_stats.writer_runs, &s->ckpt_stats.writer_frames);
}
