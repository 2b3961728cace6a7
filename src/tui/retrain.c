/* retrain.c — the review screen's model in the loop: after every N
 * decisions the learned model retrains in a child process (`assay learn`
 * on its own connection, in one read snapshot; it writes only the new
 * model's row), never on the loop's time; once a new version is stored the
 * undecided samples' learned scores follow it a page at a time while the
 * loop is idle, each page one short transaction; the top bar shows the
 * model's out-of-fold AUC and how many verdicts it learned from. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app.h"
#include "assay/score.h"

#define RETRAIN_EVERY 50
/* Samples per refreshing step, among at most this many ids: one
 * transaction of a few milliseconds. */
#define REFRESH_PAGE 16
#define REFRESH_SPAN 1024

extern char **environ;

/* The model's figures from what `learn` stored with it. */
static void model_figures(app *a, const store_model *m)
{
	cJSON *info = m->info ? cJSON_Parse(m->info) : NULL;
	const cJSON *oof = cJSON_GetObjectItemCaseSensitive(info, "out_of_fold_auc");
	const cJSON *auc = cJSON_GetObjectItemCaseSensitive(oof, "auc");
	a->model_version = m->version;
	a->model_auc = cJSON_IsNumber(auc) ? auc->valuedouble : NAN;
	a->model_verdicts = m->n_rejected + m->n_kept;
	cJSON_Delete(info);
}

/* Reads the newest model's figures; true when it is newer than the one
 * shown. */
static bool read_model(app *a)
{
	store_model m;
	bool found = false;
	assay_error e = {0};
	if (store_model_latest(a->s, "learned", &m, &found, &e) < 0) {
		tui_message(a->b, true, "%s", e.msg);
		return false;
	}
	bool newer = found && m.version != a->model_version;
	if (found)
		model_figures(a, &m);
	if (found)
		store_model_free(&m);
	return newer;
}

int tui_retrain_start(app *a, assay_error *err)
{
	long every = RETRAIN_EVERY;
	a->retrain_every = a->o->retrain_every;
	a->model_auc = NAN;
	if (a->retrain_every < 0) {
		int rc = a->o->config ? conf_get_int(a->o->config, "review.retrain_every",
						     RETRAIN_EVERY, 0, 1000000, &every, err)
				      : 0;
		if (rc < 0)
			return rc;
		a->retrain_every = (int)every;
	}
	if (!a->o->scoring || a->o->only)
		a->retrain_every = 0;
	read_model(a);
	/* a commit of the screen's never stops to fold the log into the
	 * database: each retrain's learn does that in its own process */
	return a->retrain_every > 0 ? store_checkpoints_elsewhere(a->s, true, err) : ASSAY_OK;
}

/* `assay --db DB learn` with /dev/null for its terminal, at a lower
 * priority than the screen. */
static void spawn(app *a)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0) {
		tui_message(a->b, true, "cannot retrain: the program's own path is unknown");
		a->retrain_every = 0;
		return;
	}
	exe[n] = '\0';
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	for (int fd = 0; fd < 3; fd++)
		posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", fd ? O_WRONLY : O_RDONLY, 0);
	char *argv[] = {"assay", "--db", (char *)a->o->db_name, "learn", NULL};
	pid_t pid;
	int rc = posix_spawn(&pid, exe, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		tui_message(a->b, true, "cannot retrain: %s", strerror(rc));
		return;
	}
	setpriority(PRIO_PROCESS, (id_t)pid, 10);
	a->retrain_pid = pid;
	a->since_retrain = 0;
}

void tui_retrain_decided(app *a)
{
	if (a->retrain_every > 0 && ++a->since_retrain >= a->retrain_every && !a->retrain_pid)
		spawn(a);
}

/* A new model: its scores for the undecided samples, from the next idle
 * tick on. */
/* Ends the refresh, and its hold of the score-run lock. */
static void refresh_end(app *a)
{
	score_refresh_free(a->refresh);
	a->refresh = NULL;
	if (a->refresh_locked)
		store_score_unlock(a->s);
	a->refresh_locked = false;
}

static void new_model(app *a)
{
	refresh_end(a);
	assay_error e = {0};
	if (score_refresh_new(a->s, a->o->scoring, &a->refresh, &e) < 0)
		tui_message(a->b, true, "the new model's scores: %s", e.msg);
}

/* The child's end: a new model read and followed, or a failure said. */
static void reap(app *a)
{
	int status;
	pid_t r = waitpid(a->retrain_pid, &status, WNOHANG);
	if (r == 0 || (r < 0 && errno == EINTR))
		return;
	a->retrain_pid = 0;
	bool ok = r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (ok && read_model(a))
		new_model(a);
	else if (!ok && r > 0 && WIFEXITED(status))
		tui_message(a->b, false, "the model was not retrained (assay learn exited %d: "
					 "run it for the reason)", WEXITSTATUS(status));
	/* decisions made while it trained count toward the next */
	if (a->retrain_every > 0 && a->since_retrain >= a->retrain_every)
		spawn(a);
}

int tui_retrain_tick(app *a, bool idle)
{
	/* a key waiting goes first: the new model is read on an idle tick */
	if (a->retrain_pid && idle)
		reap(a);
	if (!a->refresh)
		return 1000;
	if (!idle)
		return 0; /* a key came: the next wake looks for another first */
	size_t n = 0;
	bool more = false;
	assay_error e = {0};
	/* the refresh writes learned scores: one score run at a time, so it
	 * holds the run's lock from its first step to its end, and waits (a
	 * second a try) while an `assay score` holds it */
	if (!a->refresh_locked) {
		if (store_score_trylock(a->s, &a->refresh_locked, &e) < 0)
			tui_message(a->b, true, "the new model's scores: %s", e.msg);
		if (!a->refresh_locked)
			return 1000;
	}
	if (score_refresh_step(a->refresh, REFRESH_PAGE, REFRESH_SPAN, &n, &more, &e) < 0)
		tui_message(a->b, true, "the new model's scores: %s", e.msg);
	a->refreshed += (int64_t)n;
	if (!more) {
		refresh_end(a);
		return 1000;
	}
	return 1;
}

void tui_retrain_stop(app *a)
{
	if (a->retrain_pid) {
		/* learn stops at its next verdict and stores nothing */
		kill(a->retrain_pid, SIGTERM);
		while (waitpid(a->retrain_pid, NULL, 0) < 0 && errno == EINTR)
			;
		a->retrain_pid = 0;
	}
	refresh_end(a);
}

void tui_retrain_bar(const app *a, char *out, size_t size)
{
	out[0] = '\0';
	if (!a->model_version && !a->retrain_pid)
		return;
	int k = 0;
	if (a->model_version && isfinite(a->model_auc))
		k = snprintf(out, size, " | model AUC %.2f of %lld verdicts", a->model_auc,
			     (long long)a->model_verdicts);
	else if (a->model_version)
		k = snprintf(out, size, " | model of %lld verdicts", (long long)a->model_verdicts);
	if (a->retrain_pid && k >= 0 && (size_t)k < size)
		snprintf(out + k, size - (size_t)k, "%s", a->model_version ? ", retraining"
									   : " | model: training");
}
