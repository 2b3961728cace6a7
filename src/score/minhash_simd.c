/* minhash_simd.c — the min-hashes of a text's shingles 8 (AVX2) or 16
 * (AVX-512) functions at a time, with the same values as the scalar loop
 * of minhash.c: each 64-bit product is taken apart into 32-bit lanes
 * (minhash_int.h). Compiled for any x86-64 with the instructions enabled
 * per function; minhash.c calls them only when the CPU has them. */
#include "minhash_int.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

bool mh_have_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
}

bool mh_have_avx512(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f");
}

/* Lanes k..k+7 over every shingle: hi32(al xl + bl) from two 64-bit
 * products (even and odd lanes; the sum cannot overflow 64 bits, so the
 * carry comes with it), plus the cross terms and bh. */
__attribute__((target("avx2"))) void mh_lanes_avx2(const mh_lanes *c, const uint64_t *x, size_t n,
						   uint32_t sig[MH_LANES])
{
	const __m256i low = _mm256_set1_epi64x(0xFFFFFFFF);
	for (size_t k = 0; k < SCORE_MH_K; k += 8) {
		__m256i al = _mm256_loadu_si256((const __m256i *)(c->al + k));
		__m256i ah = _mm256_loadu_si256((const __m256i *)(c->ah + k));
		__m256i bl = _mm256_loadu_si256((const __m256i *)(c->bl + k));
		__m256i bh = _mm256_loadu_si256((const __m256i *)(c->bh + k));
		__m256i al_odd = _mm256_srli_epi64(al, 32), bl_even = _mm256_and_si256(bl, low);
		__m256i bl_odd = _mm256_srli_epi64(bl, 32);
		__m256i m = _mm256_loadu_si256((const __m256i *)(sig + k));
		for (size_t i = 0; i < n; i++) {
			__m256i xl = _mm256_set1_epi32((int)(uint32_t)x[i]);
			__m256i xh = _mm256_set1_epi32((int)(uint32_t)(x[i] >> 32));
			__m256i even = _mm256_add_epi64(_mm256_mul_epu32(al, xl), bl_even);
			__m256i odd = _mm256_add_epi64(_mm256_mul_epu32(al_odd, xl), bl_odd);
			__m256i hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
			__m256i cross = _mm256_add_epi32(_mm256_mullo_epi32(ah, xl),
							 _mm256_mullo_epi32(al, xh));
			__m256i v = _mm256_add_epi32(_mm256_add_epi32(hi, cross), bh);
			m = _mm256_min_epu32(m, v);
		}
		_mm256_storeu_si256((__m256i *)(sig + k), m);
	}
}

/* The same, 16 lanes at a time over all MH_LANES. */
__attribute__((target("avx512f"))) void mh_lanes_avx512(const mh_lanes *c, const uint64_t *x,
							size_t n, uint32_t sig[MH_LANES])
{
	const __m512i low = _mm512_set1_epi64(0xFFFFFFFF);
	for (size_t k = 0; k < MH_LANES; k += 16) {
		__m512i al = _mm512_loadu_si512(c->al + k), ah = _mm512_loadu_si512(c->ah + k);
		__m512i bl = _mm512_loadu_si512(c->bl + k), bh = _mm512_loadu_si512(c->bh + k);
		__m512i al_odd = _mm512_srli_epi64(al, 32), bl_even = _mm512_and_si512(bl, low);
		__m512i bl_odd = _mm512_srli_epi64(bl, 32);
		__m512i m = _mm512_loadu_si512(sig + k);
		for (size_t i = 0; i < n; i++) {
			__m512i xl = _mm512_set1_epi32((int)(uint32_t)x[i]);
			__m512i xh = _mm512_set1_epi32((int)(uint32_t)(x[i] >> 32));
			__m512i even = _mm512_add_epi64(_mm512_mul_epu32(al, xl), bl_even);
			__m512i odd = _mm512_add_epi64(_mm512_mul_epu32(al_odd, xl), bl_odd);
			__m512i hi =
			    _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
			__m512i cross = _mm512_add_epi32(_mm512_mullo_epi32(ah, xl),
							 _mm512_mullo_epi32(al, xh));
			__m512i v = _mm512_add_epi32(_mm512_add_epi32(hi, cross), bh);
			m = _mm512_min_epu32(m, v);
		}
		_mm512_storeu_si512(sig + k, m);
	}
}

#else

bool mh_have_avx2(void)
{
	return false;
}

bool mh_have_avx512(void)
{
	return false;
}

void mh_lanes_avx2(const mh_lanes *c, const uint64_t *x, size_t n, uint32_t sig[MH_LANES])
{
	(void)c, (void)x, (void)n, (void)sig;
}

void mh_lanes_avx512(const mh_lanes *c, const uint64_t *x, size_t n, uint32_t sig[MH_LANES])
{
	(void)c, (void)x, (void)n, (void)sig;
}

#endif
