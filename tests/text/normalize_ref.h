/* normalize_ref.h — text_normalize as it was before its piecewise form:
 * the whole text through one utf8proc_map. Kept as the reference that the
 * stored hashes were computed with. */
#ifndef NORMALIZE_REF_H
#define NORMALIZE_REF_H

#include "assay/text.h"

int ref_normalize(const char *s, size_t n, abuf *out);

#endif
