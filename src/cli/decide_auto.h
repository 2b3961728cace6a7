/* decide_auto.h — `assay decide --auto`: the newest model's confident
 * rejections recorded as a machine annotator (decide_auto.c). */
#ifndef ASSAY_CLI_DECIDE_AUTO_H
#define ASSAY_CLI_DECIDE_AUTO_H

#include <stdbool.h>

#include "cli.h"

typedef struct decide_auto_opts {
	double precision;   /* the target, (0, 1) */
	bool dry_run;       /* say what would be decided; open read-only */
	const char *reason; /* NULL: the model's likely reason, else "other" */
} decide_auto_opts;

/* Runs it on the context's database; returns the exit code. */
int decide_auto(const cli_ctx *ctx, const decide_auto_opts *o);

#endif
