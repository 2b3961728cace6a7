/* dkey.h — a double's bits as an unsigned key with the same order, and
 * back: negative numbers with every bit flipped, others with the sign bit
 * set (never 0 but for a NaN). The radix sort (sort.c) and the tally of
 * values (tally.c) order by it. */
#ifndef ASSAY_AUDIT_DKEY_H
#define ASSAY_AUDIT_DKEY_H

#include <stdint.h>
#include <string.h>

static inline uint64_t dkey_of(double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof u);
	return (u >> 63) ? ~u : (u | 0x8000000000000000ULL);
}

static inline double dkey_double(uint64_t k)
{
	uint64_t u = (k >> 63) ? (k & 0x7fffffffffffffffULL) : ~k;
	double d;
	memcpy(&d, &u, sizeof d);
	return d;
}

#endif
