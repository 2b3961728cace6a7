/* readers.h — what the audit files that read the store on several cores
 * share: one reader connection per worker, all in read transactions begun
 * back to back. */
#ifndef ASSAY_AUDIT_READERS_H
#define ASSAY_AUDIT_READERS_H

#include "assay/store.h"

typedef struct audit_readers {
	store *s[ASSAY_MAX_WORKERS]; /* s[0] is the caller's handle */
	size_t n;
} audit_readers;

/* Opens up to assay_workers() - 1 more connections besides s and begins a
 * read transaction on each (and on s). They see the same snapshot unless a
 * writer commits in the microseconds between the BEGINs; then the passes
 * differ by that one commit. When s is already inside a transaction, or a
 * connection cannot be had, r holds s alone and nothing is begun. */
void audit_readers_open(store *s, audit_readers *r);
void audit_readers_close(audit_readers *r);

#endif
