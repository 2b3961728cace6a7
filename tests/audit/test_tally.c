/* test_tally.c — values counted by their bits (src/audit/tally.c): the
 * table of a few distinct values, the list past 4,096 of them, both read
 * back sorted with counts, joins between the two, merged lists. */
#include <math.h>
#include <stdlib.h>

#include "assay/audit.h"
#include "unit.h"

#include "../../src/audit/tally.h"

/* The sorted counts of t, checked against value i / scale counted
 * count(i) times for i < n; t is emptied. */
static void check_sorted(tally *t, size_t n, double scale, uint64_t (*count)(size_t))
{
	double *v;
	uint64_t *w;
	size_t k;
	CHECK_INT(tally_sorted(t, &v, &w, &k, NULL), ASSAY_OK);
	CHECK_INT(k, n);
	for (size_t i = 0; i < k && i < n; i++) {
		CHECK(v[i] == (double)i / scale);
		CHECK_INT(w[i], count(i));
	}
	free(v);
	free(w);
}

static uint64_t thrice(size_t i)
{
	(void)i;
	return 3;
}

static uint64_t one_more_each(size_t i)
{
	return i % 7 + 1;
}

TEST(few_values_counted_and_sorted)
{
	tally t = {0};
	/* three rounds of 0/100 .. 99/100 in a scrambled order */
	for (int r = 0; r < 3; r++)
		for (size_t i = 0; i < 100; i++)
			CHECK_INT(tally_add(&t, (double)((i * 37) % 100) / 100), ASSAY_OK);
	CHECK(!t.listed);
	CHECK_INT(t.n, 300);
	check_sorted(&t, 100, 100, thrice);
	CHECK(t.n == 0 && !t.keys);
}

/* value j / 6000 was added (i % 7 + 1) times for the i with
 * i * 4099 = j (mod 6000): i = j * 4099^-1 mod 6000. */
static uint64_t by_index(size_t j)
{
	for (size_t i = 0; i < 6000; i++)
		if ((i * 4099) % 6000 == j)
			return one_more_each(i);
	return 0;
}

TEST(many_values_give_up_the_table_and_keep_every_count)
{
	tally t = {0}, u = {0};
	size_t n = 6000;
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c <= i % 7; c++)
			CHECK_INT(tally_add(i % 2 ? &t : &u, (double)((i * 4099) % n) / n), ASSAY_OK);
	CHECK(!t.listed && !u.listed); /* 3,000 distinct each */
	CHECK_INT(tally_join(&t, &u), ASSAY_OK);
	CHECK(t.listed); /* 6,000 */
	check_sorted(&t, n, (double)n, by_index);
}

static uint64_t one(size_t i)
{
	(void)i;
	return 1;
}

TEST(a_listed_tally_joins_a_table)
{
	tally t = {0}, u = {0};
	for (size_t i = 0; i < 5000; i++)
		CHECK_INT(tally_add(&t, (double)i / 8192), ASSAY_OK);
	CHECK(t.listed);
	for (size_t i = 5000; i < 5100; i++)
		CHECK_INT(tally_add(&u, (double)i / 8192), ASSAY_OK);
	CHECK_INT(tally_join(&u, &t), ASSAY_OK);
	CHECK(u.listed);
	CHECK_INT(u.n, 5100);
	check_sorted(&u, 5100, 8192, one);
}

TEST(sorted_lists_merge_with_equal_values_together)
{
	double av[] = {0.1, 0.5, 0.9}, bv[] = {0.0, 0.5, 1.0};
	uint64_t aw[] = {1, 2, 3}, bw[] = {4, 5, 6};
	tally_list a = {av, aw, 3}, b = {bv, bw, 3}, m;
	CHECK_INT(tally_list_merge(&a, &b, &m), ASSAY_OK);
	double want_v[] = {0.0, 0.1, 0.5, 0.9, 1.0};
	uint64_t want_w[] = {4, 1, 7, 3, 6};
	CHECK_INT(m.k, 5);
	for (size_t i = 0; i < 5 && i < m.k; i++) {
		CHECK(m.v[i] == want_v[i]);
		CHECK_INT(m.w[i], want_w[i]);
	}
	tally_list_free(&m);
	tally_list empty = {0};
	CHECK_INT(tally_list_merge(&empty, &b, &m), ASSAY_OK);
	CHECK_INT(m.k, 3);
	tally_list_free(&m);
}

UNIT_MAIN(UNIT_CASE(few_values_counted_and_sorted),
	  UNIT_CASE(many_values_give_up_the_table_and_keep_every_count),
	  UNIT_CASE(a_listed_tally_joins_a_table),
	  UNIT_CASE(sorted_lists_merge_with_equal_values_together))
