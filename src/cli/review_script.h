/* review_script.h — `assay review --script` (review_script.c). */
#ifndef ASSAY_CLI_REVIEW_SCRIPT_H
#define ASSAY_CLI_REVIEW_SCRIPT_H

#include "assay/tui.h"
#include "cli.h"

/* Runs the review queue from commands on standard input; the exit code. */
int cli_review_script(const cli_ctx *ctx, const tui_review_opts *o);

#endif
