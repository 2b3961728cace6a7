/* tally.h — the session summary counted per sample: each sample's last
 * verdict of the session once, an undone one taken back (pure: no
 * curses, no store). Private to src/tui/. */
#ifndef ASSAY_TUI_TALLY_H
#define ASSAY_TUI_TALLY_H

#include "assay/tui.h"

typedef struct tui_tally {
	struct tally_step *v; /* the session's verdicts in order */
	size_t n, cap;
	int64_t seq;
} tui_tally;

/* A verdict on sample_id (STORE_ACCEPT, EDIT, REJECT or SKIP). ASSAY_OK
 * or ASSAY_ENOMEM. */
int tui_tally_decide(tui_tally *t, int64_t sample_id, int kind);
/* The session's latest verdict on sample_id is undone (nothing when the
 * undo reached a verdict of an earlier session). */
void tui_tally_undo(tui_tally *t, int64_t sample_id);
/* The samples by their last verdict: decided (accepted, edited or
 * rejected), accepted, edited, rejected and skipped in *out; the rest of
 * *out is left as it is. */
void tui_tally_sum(const tui_tally *t, tui_summary *out);
void tui_tally_free(tui_tally *t);

#endif
