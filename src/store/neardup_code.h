/* neardup_code.h — a block of the near-duplicate band index as bytes
 * (neardup_code.c), one format for both engines. */
#ifndef ASSAY_STORE_NEARDUP_CODE_H
#define ASSAY_STORE_NEARDUP_CODE_H

#include <stddef.h>
#include <stdint.h>

/* Bytes a block of n entries takes at most. */
size_t neardup_code_bound(size_t n);
/* Writes n entries (keys non-decreasing) into out (neardup_code_bound(n)
 * bytes); returns the bytes written. */
size_t neardup_code_put(const uint32_t *keys, const int64_t *ids, size_t n, uint8_t *out);
/* The count of entries of a block; 0 when it is not one. */
size_t neardup_code_count(const uint8_t *b, size_t len);
/* Reads a block's entries into keys and ids (neardup_code_count of them);
 * -1 when the bytes are not a whole block. */
int neardup_code_get(const uint8_t *b, size_t len, uint32_t *keys, int64_t *ids);
/* A filter of the keys wanted (by their top NEARDUP_FILTER_BITS bits:
 * 2 MiB), so that a block's entries of keys not wanted are passed over
 * without a search. */
#define NEARDUP_FILTER_BITS  24
#define NEARDUP_FILTER_WORDS (1u << (NEARDUP_FILTER_BITS - 6))
/* Fills filter (NEARDUP_FILTER_WORDS words) from want[0, n_want). */
void neardup_code_filter(const uint32_t *want, size_t n_want, uint64_t *filter);
/* Reads only the entries of a block whose key is one of want[0, n_want)
 * (ascending; filter made from them) into keys and ids
 * (neardup_code_count of room), in the block's order; returns how many, or
 * -1 when the bytes are not a whole block. */
long neardup_code_match(const uint8_t *b, size_t len, const uint32_t *want, size_t n_want,
			const uint64_t *filter, uint32_t *keys, int64_t *ids);

#endif
