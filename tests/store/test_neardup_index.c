/* test_neardup_index.c — the near-duplicate index kept in the database
 * (src/store/neardup.c): samples added with their band keys, looked up by
 * key (grouped by key, the most recent first, at most as many per key as
 * asked), clusters grown, and the whole index emptied under a new
 * version. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assay/store_neardup.h"
#include "unit.h"

static char path[64];

static void cleanup(void)
{
	char p[80];
	const char *suffix[] = {"", "-wal", "-shm"};
	for (size_t k = 0; k < 3; k++) {
		snprintf(p, sizeof p, "%s%s", path, suffix[k]);
		unlink(p);
	}
}

static store *fresh(int64_t *ids, size_t n)
{
	snprintf(path, sizeof path, "/tmp/assay-ndindex-%d.db", (int)getpid());
	cleanup();
	atexit(cleanup);
	store *s = NULL;
	assay_error e = {0};
	if (store_open(path, NULL, &s, &e) != ASSAY_OK || store_begin(s, &e) != ASSAY_OK)
		abort();
	store_batch b = {.name = "b", .source = "x", .format = "jsonl", .created_at = 1};
	CHECK_INT(store_batch_create(s, &b, &e), ASSAY_OK);
	for (size_t i = 0; i < n; i++) {
		char ext[16];
		snprintf(ext, sizeof ext, "s%zu", i);
		store_new_sample ns = {.batch_id = b.id,
				       .ext_id = ext,
				       .line = (int64_t)i + 1,
				       .text_field = "text",
				       .text = ext,
				       .text_len = strlen(ext),
				       .record = "{}",
				       .record_len = 2,
				       .hash = i + 1};
		int outcome;
		CHECK_INT(store_sample_insert(s, &ns, &outcome, &ids[i], &e), ASSAY_OK);
	}
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	return s;
}

static void add(store *s, int64_t id, uint8_t fill, const uint32_t *keys, size_t n_keys)
{
	assay_error e = {0};
	store_nd_row row = {
	    .sample_id = id, .cluster = id, .sim_of = 0.25, .sim_max = 0.25, .size = 1};
	memset(row.sig, fill, sizeof row.sig);
	CHECK_INT(store_nd_add(s, &row, &e), ASSAY_OK);
	int64_t owner[4] = {id, id, id, id};
	CHECK_INT(store_nd_add_bands(s, keys, owner, n_keys, &e), ASSAY_OK);
}

TEST(add_look_up_grow_reset)
{
	int64_t id[5];
	store *s = fresh(id, 5);
	assay_error e = {0};
	char version[32];
	CHECK_INT(store_nd_version(s, version, sizeof version, &e), ASSAY_OK);
	CHECK_STR(version, "");
	int64_t last = -1;
	CHECK_INT(store_nd_last(s, &last, &e), ASSAY_OK);
	CHECK_INT(last, 0);
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	CHECK_INT(store_nd_reset(s, "3.abc", &e), ASSAY_OK);
	/* Keys above 2^31 are stored as negative 32-bit values and found. */
	uint32_t k0[] = {7, 0xFFFFFFF0u}, k1[] = {7, 9}, k2[] = {8, 0xFFFFFFF0u}, k3[] = {7};
	add(s, id[0], 0x11, k0, 2);
	add(s, id[1], 0x22, k1, 2);
	add(s, id[2], 0x33, k2, 2);
	add(s, id[3], 0x44, k3, 1);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	CHECK_INT(store_nd_version(s, version, sizeof version, &e), ASSAY_OK);
	CHECK_STR(version, "3.abc");
	CHECK_INT(store_nd_last(s, &last, &e), ASSAY_OK);
	CHECK_INT(last, id[3]);

	store_nd_hit *hits;
	size_t n;
	/* Key 7 and 0xFFFFFFF0 (stored as a negative value):
	 * grouped by key in the store's order, the most recent first. */
	uint32_t ask[] = {7, 0xFFFFFFF0u, 12345};
	CHECK_INT(store_nd_lookup(s, ask, 3, 8, &hits, &n, &e), ASSAY_OK);
	CHECK_INT(n, 5);
	CHECK_INT(hits[0].key, 0xFFFFFFF0u);
	CHECK_INT(hits[0].sample_id, id[2]);
	CHECK_INT(hits[1].sample_id, id[0]);
	for (size_t i = 2; i < 5; i++)
		CHECK_INT(hits[i].key, 7);
	CHECK_INT(hits[2].sample_id, id[3]);
	CHECK_INT(hits[3].sample_id, id[1]);
	CHECK_INT(hits[4].sample_id, id[0]);
	free(hits);
	/* At most two per key: the two most recent. */
	CHECK_INT(store_nd_lookup(s, ask, 1, 2, &hits, &n, &e), ASSAY_OK);
	CHECK_INT(n, 2);
	CHECK_INT(hits[0].sample_id, id[3]);
	CHECK_INT(hits[1].sample_id, id[1]);
	free(hits);
	CHECK_INT(store_nd_lookup(s, ask + 2, 1, 8, &hits, &n, &e), ASSAY_OK);
	CHECK_INT(n, 0);
	free(hits);

	store_nd_row row;
	bool found;
	CHECK_INT(store_nd_get(s, id[2], &row, &found, &e), ASSAY_OK);
	CHECK(found);
	CHECK_INT(row.sig[0], 0x33);
	CHECK_INT(row.sig[STORE_ND_SIG - 1], 0x33);
	CHECK_INT(row.of, 0);
	CHECK_INT(row.size, 1);
	CHECK_INT(store_nd_get(s, id[4], &row, &found, &e), ASSAY_OK);
	CHECK(!found);

	/* Sample 4 joins 0's cluster as a near-duplicate of 1. */
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	CHECK_INT(store_nd_grow(s, id[0], id[1], 0.9, &e), ASSAY_OK);
	CHECK_INT(store_nd_grow(s, id[0], id[1], 0.85, &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	CHECK_INT(store_nd_get(s, id[0], &row, &found, &e), ASSAY_OK);
	CHECK_INT(row.size, 3);
	CHECK_NEAR(row.sim_max, 0.25, 1e-12);
	CHECK_INT(store_nd_get(s, id[1], &row, &found, &e), ASSAY_OK);
	CHECK_NEAR(row.sim_max, 0.9, 1e-12);

	/* A new version empties the index: nothing is found any more. */
	CHECK_INT(store_begin(s, &e), ASSAY_OK);
	CHECK_INT(store_nd_reset(s, "3.def", &e), ASSAY_OK);
	CHECK_INT(store_commit(s, &e), ASSAY_OK);
	CHECK_INT(store_nd_lookup(s, ask, 3, 8, &hits, &n, &e), ASSAY_OK);
	CHECK_INT(n, 0);
	free(hits);
	CHECK_INT(store_nd_get(s, id[0], &row, &found, &e), ASSAY_OK);
	CHECK(!found);
	CHECK_INT(store_nd_last(s, &last, &e), ASSAY_OK);
	CHECK_INT(last, 0);
	CHECK_INT(store_nd_version(s, version, sizeof version, &e), ASSAY_OK);
	CHECK_STR(version, "3.def");
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(add_look_up_grow_reset))
