/* test_threads.c — the rule scorers' first use on several threads at once,
 * as the rule scorers' pipe scores (src/score/pipe.c): every table a scorer
 * builds on its first call must be built once, whole, before any thread
 * reads it. Each round is a fresh process (a table is built once per
 * process), whose threads all make their first call together. */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "assay/score.h"
#include "unit.h"

#define THREADS 8
#define ROUNDS 24
#define CALLS 20

/* Texts that reach every table: refusals, placeholders (TODO, FIXME),
 * hedges, Gopher's stop words (long and short lists), dangling words. */
static const char *const texts[] = {
    "As an AI language model, I cannot view videos directly.",
    "A dog runs in the park. TODO.",
    "A cat sleeps on the sofa. FIXME",
    "This appears to be a video of what might be a group of students; possibly a class.",
    "Red blue green yellow purple orange black white grey pink brown",
    "The photo is taken from the",
    "Two children cross the street at a crosswalk while a bus waits at the light.",
};

#define N_TEXTS (sizeof texts / sizeof *texts)

static enum score_id ids[SCORE_COUNT];
static size_t n_ids;
static score_result (*want)[SCORE_COUNT]; /* shared: one process's results alone */
static pthread_barrier_t start;

static void score_all(score_text *t, const score_config *cfg, score_result *out, size_t i)
{
	score_text_analyse(t, texts[i], strlen(texts[i]), cfg);
	t->caption = 1;
	for (size_t k = 0; k < n_ids; k++)
		score_text_run(ids[k], t, cfg, &out[k]);
}

static bool same(const score_result *a, const score_result *b)
{
	return a->flagged == b->flagged && !strcmp(a->reason, b->reason) &&
	       (a->value == b->value || (isnan(a->value) && isnan(b->value)));
}

/* A thread's calls, the first of them together with the others'; 0 when
 * every result is the one a process scoring alone found. */
static void *scorer(void *arg)
{
	const score_config *cfg = arg;
	uintptr_t bad = 0;
	score_text t = {0};
	score_result got[SCORE_COUNT];
	pthread_barrier_wait(&start);
	for (int c = 0; c < CALLS; c++)
		for (size_t i = 0; i < N_TEXTS; i++) {
			score_all(&t, cfg, got, i);
			for (size_t k = 0; k < n_ids; k++)
				bad += !same(&got[k], &want[i][k]);
		}
	score_text_free(&t);
	return (void *)bad;
}

/* A fresh process's first calls on THREADS threads: its exit status. */
static int round_in_child(void)
{
	score_config cfg;
	score_config_init(&cfg);
	pthread_t th[THREADS];
	pthread_barrier_init(&start, NULL, THREADS);
	for (int i = 0; i < THREADS; i++)
		if (pthread_create(&th[i], NULL, scorer, &cfg) != 0)
			return 3;
	uintptr_t bad = 0;
	for (int i = 0; i < THREADS; i++) {
		void *v;
		pthread_join(th[i], &v);
		bad += (uintptr_t)v;
	}
	return bad ? 1 : 0;
}

/* The results of a fresh process scoring alone, into want. */
static int alone_in_child(void)
{
	score_config cfg;
	score_config_init(&cfg);
	score_text t = {0};
	for (size_t i = 0; i < N_TEXTS; i++)
		score_all(&t, &cfg, want[i], i);
	score_text_free(&t);
	return 0;
}

static bool flagged(size_t text, enum score_id id)
{
	for (size_t k = 0; k < n_ids; k++)
		if (ids[k] == id)
			return want[text][k].flagged;
	return false;
}

/* Runs f in a fresh process: 0 when it exited 0, 1 when it exited
 * otherwise, 2 when a signal ended it (a crash, or hung two minutes). */
static int in_child(int (*f)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		alarm(120); /* a table read while it is built may send a thread round forever */
		_exit(f());
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	return WIFSIGNALED(status) ? 2 : WEXITSTATUS(status) != 0;
}

TEST(first_calls_on_several_threads)
{
	for (size_t i = 0; i < SCORE_COUNT; i++)
		if (score_defs[i].builtin && score_defs[i].kind == SCORE_KIND_TEXT)
			ids[n_ids++] = (enum score_id)i;
	CHECK(n_ids >= 8);
	want = mmap(NULL, N_TEXTS * sizeof *want, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(want != MAP_FAILED);
	if (want == MAP_FAILED)
		return;
	CHECK_INT(in_child(alone_in_child), 0);
	/* what the texts are there for, found by the process alone */
	CHECK(flagged(0, SCORE_ARTIFACTS) && flagged(1, SCORE_ARTIFACTS) &&
	      flagged(2, SCORE_ARTIFACTS));
	CHECK(flagged(3, SCORE_HEDGING) && flagged(4, SCORE_GOPHER) && !flagged(6, SCORE_GOPHER));
	CHECK(flagged(5, SCORE_TRUNCATION) && !flagged(6, SCORE_TRUNCATION));
	int failed = 0, crashed = 0;
	for (int round = 0; round < ROUNDS; round++) {
		int rc = in_child(round_in_child);
		failed += rc == 1;
		crashed += rc == 2;
	}
	CHECK_INT(failed, 0);
	CHECK_INT(crashed, 0);
	munmap(want, N_TEXTS * sizeof *want);
}

UNIT_MAIN(UNIT_CASE(first_calls_on_several_threads))
