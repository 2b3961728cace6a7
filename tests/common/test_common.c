/* test_common.c — tests for src/common/: errors, the byte buffer, clocks
 * and the parallel workers. */
#include <stdatomic.h>
#include <stdlib.h>

#include "assay/common.h"
#include "unit.h"

TEST(fail_sets_code_and_message)
{
	assay_error e = {0};
	int rc = assay_fail(&e, ASSAY_EFORMAT, "%s:%d: bad", "f.jsonl", 3);
	CHECK_INT(rc, ASSAY_EFORMAT);
	CHECK_INT(e.code, ASSAY_EFORMAT);
	CHECK_STR(e.msg, "f.jsonl:3: bad");
	assay_error_prefix(&e, "import %s", "x");
	CHECK_STR(e.msg, "import x: f.jsonl:3: bad");
	CHECK_INT(assay_fail(NULL, ASSAY_EIO, "ignored"), ASSAY_EIO);
}

TEST(strstatus_names_every_code)
{
	for (int c = 0; c >= ASSAY_EPARTIAL; c--)
		CHECK(strcmp(assay_strstatus(c), "unknown error") != 0);
	CHECK_STR(assay_strstatus(42), "unknown error");
}

TEST(abuf_grows_and_takes)
{
	abuf b = {0};
	for (int i = 0; i < 1000; i++)
		CHECK_INT(abuf_printf(&b, "%d,", i), 0);
	CHECK_INT(b.len, 3890);
	CHECK(strncmp(b.data, "0,1,2,", 6) == 0);
	abuf_reset(&b);
	CHECK_INT(b.len, 0);
	CHECK_STR(b.data, "");
	abuf_puts(&b, "ab");
	abuf_putc(&b, 'c');
	char *s = abuf_take(&b);
	CHECK_STR(s, "abc");
	CHECK(b.data == NULL);
	free(s);
	s = abuf_take(&b);
	CHECK_STR(s, "");
	free(s);
	abuf_free(&b);
}

TEST(strndup_terminates)
{
	char *s = assay_strndup("hello", 3);
	CHECK_STR(s, "hel");
	free(s);
	CHECK(assay_strdup(NULL) == NULL);
}

TEST(clocks_move_forward)
{
	int64_t a = assay_mono_ns(), b = assay_mono_ns();
	CHECK(b >= a);
	CHECK(assay_now_ms() > 1600000000000LL);
}

/* Each task records which worker ran it and how many times it ran. */
typedef struct tally {
	atomic_int runs[1000];
	atomic_int busy[ASSAY_MAX_WORKERS]; /* a worker index in use twice at once */
	atomic_int overlap;
	size_t fail_from;
} tally;

static int count_task(void *ud, size_t worker, size_t task, assay_error *err)
{
	tally *t = ud;
	if (atomic_fetch_add(&t->busy[worker], 1) != 0)
		atomic_store(&t->overlap, 1);
	atomic_fetch_add(&t->runs[task], 1);
	for (volatile int spin = 0; spin < 2000; spin++)
		;
	atomic_fetch_sub(&t->busy[worker], 1);
	if (t->fail_from && task >= t->fail_from)
		return assay_fail(err, ASSAY_EFORMAT, "task %zu failed", task);
	return ASSAY_OK;
}

TEST(parallel_runs_every_task_once)
{
	size_t workers[] = {1, 2, 3, 8, ASSAY_MAX_WORKERS + 5};
	for (size_t w = 0; w < sizeof workers / sizeof *workers; w++) {
		static tally t;
		memset(&t, 0, sizeof t);
		CHECK_INT(assay_parallel(workers[w], 1000, count_task, &t, NULL), ASSAY_OK);
		for (size_t i = 0; i < 1000; i++)
			CHECK_INT(atomic_load(&t.runs[i]), 1);
		CHECK_INT(atomic_load(&t.overlap), 0);
	}
	/* no tasks: nothing runs, success */
	static tally t;
	memset(&t, 0, sizeof t);
	CHECK_INT(assay_parallel(4, 0, count_task, &t, NULL), ASSAY_OK);
}

TEST(parallel_reports_the_lowest_failure_and_stops)
{
	static tally t;
	memset(&t, 0, sizeof t);
	t.fail_from = 500;
	assay_error e = {0};
	CHECK_INT(assay_parallel(4, 1000, count_task, &t, &e), ASSAY_EFORMAT);
	CHECK_STR(e.msg, "task 500 failed");
	size_t ran = 0;
	for (size_t i = 0; i < 1000; i++)
		ran += (size_t)atomic_load(&t.runs[i]);
	/* every task below the failure ran; at most one per worker after it */
	for (size_t i = 0; i < 500; i++)
		CHECK_INT(atomic_load(&t.runs[i]), 1);
	CHECK(ran <= 500 + 4);
	/* one worker: the calling thread runs tasks in order and stops at once */
	memset(&t, 0, sizeof t);
	t.fail_from = 3;
	CHECK_INT(assay_parallel(1, 10, count_task, &t, &e), ASSAY_EFORMAT);
	CHECK_STR(e.msg, "task 3 failed");
	CHECK_INT(atomic_load(&t.runs[4]), 0);
}

TEST(workers_follow_assay_threads)
{
	setenv("ASSAY_THREADS", "3", 1);
	CHECK_INT(assay_workers(), 3);
	setenv("ASSAY_THREADS", "1000", 1);
	CHECK_INT(assay_workers(), ASSAY_MAX_WORKERS);
	setenv("ASSAY_THREADS", "zero", 1);
	CHECK(assay_workers() >= 1); /* not a number: the CPUs */
	setenv("ASSAY_THREADS", "0", 1);
	CHECK(assay_workers() >= 1);
	unsetenv("ASSAY_THREADS");
	CHECK(assay_workers() >= 1 && assay_workers() <= ASSAY_MAX_WORKERS);
}

/* Grows a block past the huge-page size and back: contents survive every
 * step, as with realloc. */
TEST(realloc_big_keeps_contents)
{
	size_t n = 8;
	uint32_t *v = assay_realloc_big(NULL, n * sizeof *v);
	CHECK(v != NULL);
	for (size_t i = 0; i < n; i++)
		v[i] = (uint32_t)i * 2654435761u;
	for (; n < (8u << 20) / sizeof *v; n *= 4) {
		uint32_t *w = assay_realloc_big(v, n * 4 * sizeof *v);
		CHECK(w != NULL);
		v = w;
		for (size_t i = n; i < n * 4; i++)
			v[i] = (uint32_t)i * 2654435761u;
	}
	v = assay_realloc_big(v, 100 * sizeof *v);
	CHECK(v != NULL);
	for (size_t i = 0; i < 100; i++)
		CHECK(v[i] == (uint32_t)i * 2654435761u);
	free(v);
}

TEST(grow_doubles_keeps_contents_and_refuses_overflow)
{
	int *v = NULL;
	size_t cap = 0;
	CHECK_INT(ASSAY_GROW(v, 1, cap, 4), ASSAY_OK);
	CHECK_INT(cap, 4);
	for (int i = 0; i < 4; i++)
		v[i] = i;
	CHECK_INT(ASSAY_GROW(v, 4, cap, 4), ASSAY_OK); /* enough already */
	CHECK_INT(cap, 4);
	CHECK_INT(ASSAY_GROW(v, 9, cap, 4), ASSAY_OK);
	CHECK_INT(cap, 16); /* doubled until it holds 9 */
	CHECK_INT(v[3], 3);
	int *before = v;
	CHECK_INT(ASSAY_GROW(v, SIZE_MAX / 2, cap, 4), ASSAY_ENOMEM);
	CHECK(v == before && cap == 16); /* untouched on failure */
	free(v);
}

TEST(small_sort_orders_every_arrangement)
{
	/* every order of 0..5 (with a repeat), and the empty and one-element */
	uint64_t v[6];
	for (int perm = 0; perm < 720; perm++) {
		int left[6] = {0, 1, 2, 3, 4, 5}, p = perm;
		for (int i = 6; i > 0; i--) {
			int k = p % i;
			p /= i;
			v[6 - i] = (uint64_t)(left[k] == 5 ? 4 : left[k]) << 40 | 7;
			left[k] = left[i - 1];
		}
		assay_sort_small_u64(v, 6);
		static const uint64_t want[6] = {0, 1, 2, 3, 4, 4};
		for (int i = 0; i < 6; i++)
			CHECK(v[i] == (want[i] << 40 | 7));
	}
	assay_sort_small_u64(v, 0);
	uint64_t one = UINT64_MAX;
	assay_sort_small_u64(&one, 1);
	CHECK(one == UINT64_MAX);
}

UNIT_MAIN(UNIT_CASE(small_sort_orders_every_arrangement), UNIT_CASE(fail_sets_code_and_message),
	  UNIT_CASE(parallel_runs_every_task_once), UNIT_CASE(realloc_big_keeps_contents),
	  UNIT_CASE(parallel_reports_the_lowest_failure_and_stops),
	  UNIT_CASE(workers_follow_assay_threads),
	  UNIT_CASE(strstatus_names_every_code), UNIT_CASE(abuf_grows_and_takes),
	  UNIT_CASE(strndup_terminates), UNIT_CASE(clocks_move_forward),
	  UNIT_CASE(grow_doubles_keeps_contents_and_refuses_overflow))
