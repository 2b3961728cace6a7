/* minhash_int.h — the min-hash functions of minhash.c as 32-bit lanes, for
 * the vector paths of minhash_simd.c: h(x) = (a x + b) >> 32 over 64 bits is
 * hi32(al xl + bl) + ah xl + al xh + bh (mod 2^32), a = ah:al, x = xh:xl. */
#ifndef ASSAY_SCORE_MINHASH_INT_H
#define ASSAY_SCORE_MINHASH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assay/score.h"

/* SCORE_MH_K rounded up to the widest vector's 16 lanes; the padding
 * lanes compute values nobody reads. */
#define MH_LANES 128

typedef struct mh_lanes {
	uint32_t al[MH_LANES], ah[MH_LANES], bl[MH_LANES], bh[MH_LANES];
} mh_lanes;

/* Can this CPU (and build) run the AVX2 / AVX-512 path? */
bool mh_have_avx2(void);
bool mh_have_avx512(void);
/* Lowers sig[k] to h_k(x[i]) for every shingle hash x[i] and every lane k
 * (what the scalar loop does for k < SCORE_MH_K). Only when mh_have_*. */
void mh_lanes_avx2(const mh_lanes *c, const uint64_t *x, size_t n, uint32_t sig[MH_LANES]);
void mh_lanes_avx512(const mh_lanes *c, const uint64_t *x, size_t n, uint32_t sig[MH_LANES]);

/* How many of two 8-bit signatures' SCORE_MH_K bytes agree: the scalar
 * loop, SSE2 (every x86-64), AVX2 and AVX-512BW; each reads the 120 bytes
 * and no byte past them. The vector ones only when mh_have_* (SSE2: on
 * x86-64 builds). score_minhash_agree runs AVX2, else SSE2 (AVX-512 is
 * faster on signatures in the cache only, slower on the rest). */
int mh_agree_scalar(const uint8_t *a, const uint8_t *b);
bool mh_have_sse2(void);
bool mh_have_avx512bw(void);
int mh_agree_sse2(const uint8_t *a, const uint8_t *b);
int mh_agree_avx2(const uint8_t *a, const uint8_t *b);
int mh_agree_avx512(const uint8_t *a, const uint8_t *b);

#endif
