/* fuzz_lsh.c — the near-duplicate pass's in-memory LSH (score_lsh_add_keyed,
 * score_lsh_clear) over arbitrary samples: each takes 21 bytes, a control
 * byte (bit 7: empty the index first; bit 6: keys from all 256 values, so
 * that the index's 32 slots fill up; the rest seeds its 8-bit signature)
 * and one byte per band, its key drawn from 24 values (bit 6 clear) so that
 * keys meet often, across samples and within one. A sample's best match is
 * an earlier sample or none, never itself, and its similarity is the
 * pair's; nothing is read outside the index (the sanitizers). */
#include "assay/score.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum { REC = 1 + SCORE_MH_BANDS };
	assay_error err = {0};
	score_lsh *l = score_lsh_new(1, &err); /* 32 slots */
	if (!l)
		return 0;
	size_t count = 0;
	for (size_t at = 0; at + REC <= size; at += REC) {
		const uint8_t *r = data + at;
		if (r[0] & 0x80) {
			score_lsh_clear(l);
			count = 0;
		}
		uint32_t sig[SCORE_MH_K], keys[SCORE_MH_BANDS];
		uint32_t seed = r[0] & 0x3f, span = r[0] & 0x40 ? 256u : 24u;
		for (size_t k = 0; k < SCORE_MH_K; k++)
			sig[k] = (seed * 2654435761u + (uint32_t)k * (seed % 5)) >> 24;
		for (size_t b = 0; b < SCORE_MH_BANDS; b++)
			keys[b] = 1u + r[1 + b] % span;
		score_lsh_match m;
		FUZZ_CHECK(score_lsh_add_keyed(l, sig, keys, &m, &err) == ASSAY_OK);
		uint32_t me = (uint32_t)count++;
		FUZZ_CHECK(score_lsh_count(l) == count);
		if (m.best != UINT32_MAX) {
			FUZZ_CHECK(m.best < me);
			FUZZ_CHECK(m.similarity == score_lsh_similarity(l, me, m.best));
		}
		FUZZ_CHECK(m.similarity >= 0 && m.similarity <= 1);
	}
	score_lsh_free(l);
	return 0;
}
