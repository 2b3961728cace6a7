/* decide_slice.h — `assay decide --where EXPR`: one verdict on a slice,
 * its undo, and spot-checks (decide_slice.c). */
#ifndef ASSAY_CLI_DECIDE_SLICE_H
#define ASSAY_CLI_DECIDE_SLICE_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

typedef struct decide_slice_opts {
	const cli_where *where; /* the slice (set) */
	const char *annotator;  /* who decides or undoes */
	int kind;               /* STORE_ACCEPT or STORE_REJECT (not with undo) */
	int pref;               /* a preference on the slice's pairs (kind follows
				   it), or STORE_PREF_NONE: a verdict on its singles */
	const char *reason;     /* with reject (required) and a preference */
	bool dry_run;           /* say what would be done; open read-only */
	bool yes;               /* do not ask */
	bool undo;              /* undo the annotator's decisions on the slice */
	long sample;            /* > 0: a spot-check of this many first */
	uint64_t seed;          /* the spot-check's draw */
	double max_disagree;    /* the share of the spot-check that may disagree */
} decide_slice_opts;

/* Runs it on the context's database; returns the exit code. */
int decide_slice(const cli_ctx *ctx, const decide_slice_opts *o);

#endif
