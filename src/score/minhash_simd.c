/* minhash_simd.c — the min-hashes of a text's shingles 8 (AVX2) or 16
 * (AVX-512) functions at a time, with the same values as the scalar loop
 * of minhash.c: each 64-bit product is taken apart into 32-bit lanes
 * (minhash_int.h); and two 8-bit signatures' agreement 16, 32 or 64 bytes
 * at a time. Compiled for any x86-64 with the instructions enabled per
 * function; minhash.c calls them only when the CPU has them. */
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

bool mh_have_avx512bw(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("popcnt");
}

bool mh_have_sse2(void)
{
	return true;
}

_Static_assert(SCORE_MH_K == 120, "the agreement's vector paths read 120 bytes");

/* Seven 16-byte blocks and the last 8 bytes (loaded with 8 zero bytes
 * above them, which agree: 8 taken off): each equal byte subtracts -1
 * from its lane (at most 8 a lane), summed by a sum of absolute
 * differences. */
int mh_agree_sse2(const uint8_t *a, const uint8_t *b)
{
	__m128i acc = _mm_setzero_si128();
	for (size_t i = 0; i < 112; i += 16)
		acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(a + i)),
						       _mm_loadu_si128((const __m128i *)(b + i))));
	acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadl_epi64((const __m128i *)(a + 112)),
					       _mm_loadl_epi64((const __m128i *)(b + 112))));
	__m128i sum = _mm_sad_epu8(acc, _mm_setzero_si128());
	return _mm_cvtsi128_si32(sum) + _mm_cvtsi128_si32(_mm_srli_si128(sum, 8)) - 8;
}

/* Three 32-byte blocks and bytes 88..119, of which the first 8 (counted
 * already) are masked off. */
__attribute__((target("avx2"))) int mh_agree_avx2(const uint8_t *a, const uint8_t *b)
{
	__m256i acc = _mm256_setzero_si256();
	for (size_t i = 0; i < 96; i += 32)
		acc = _mm256_sub_epi8(
		    acc, _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(a + i)),
					   _mm256_loadu_si256((const __m256i *)(b + i))));
	const __m256i tail = _mm256_set_epi64x(-1, -1, -1, 0);
	__m256i eq = _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(a + 88)),
				       _mm256_loadu_si256((const __m256i *)(b + 88)));
	acc = _mm256_sub_epi8(acc, _mm256_and_si256(eq, tail));
	__m256i sum = _mm256_sad_epu8(acc, _mm256_setzero_si256());
	__m128i s2 = _mm_add_epi64(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
	return _mm_cvtsi128_si32(s2) + _mm_cvtsi128_si32(_mm_srli_si128(s2, 8));
}

/* Bytes 0..63 and 56..119, the 8 bytes both hold counted once. */
__attribute__((target("avx512bw,popcnt"))) int mh_agree_avx512(const uint8_t *a, const uint8_t *b)
{
	__mmask64 lo = _mm512_cmpeq_epi8_mask(_mm512_loadu_si512(a), _mm512_loadu_si512(b));
	__mmask64 hi =
	    _mm512_cmpeq_epi8_mask(_mm512_loadu_si512(a + 56), _mm512_loadu_si512(b + 56));
	return (int)(_mm_popcnt_u64(lo) + _mm_popcnt_u64(hi >> 8));
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

bool mh_have_avx512bw(void)
{
	return false;
}

bool mh_have_sse2(void)
{
	return false;
}

int mh_agree_sse2(const uint8_t *a, const uint8_t *b)
{
	return mh_agree_scalar(a, b);
}

int mh_agree_avx2(const uint8_t *a, const uint8_t *b)
{
	return mh_agree_scalar(a, b);
}

int mh_agree_avx512(const uint8_t *a, const uint8_t *b)
{
	return mh_agree_scalar(a, b);
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
