/* tui.h — the ncurses application: the review screen (one sample at a
 * time, a decision per key) and what it needs from the command line. */
#ifndef ASSAY_TUI_H
#define ASSAY_TUI_H

#include <stdbool.h>
#include <stdint.h>

#include "assay/common.h"
#include "assay/conf.h"
#include "assay/store.h"

/* One decision a read-only review shows: the sample, the annotator whose
 * verdict is shown, and that annotator's name (shown; may be NULL). */
typedef struct tui_pick {
	int64_t sample_id;
	int64_t annotator_id;
	const char *who;
} tui_pick;

typedef struct tui_review_opts {
	const char *db_name;      /* shown in the top bar */
	const char *annotator;
	const char *batch;        /* a batch name, or NULL for all */
	int order;                /* enum store_order */
	uint64_t seed;
	int show;                 /* enum store_show */
	int overlap;              /* >= 1 */
	/* How long the sample on screen stays this annotator's without a
	 * renewal (renewed every tenth of it in every view, and held for at
	 * least two hours while an editor runs); 0: ten minutes. */
	int64_t lease_ms;
	const conf_theme *theme;
	const conf *config;       /* `reasons` list; may be NULL */
	/* The LLM endpoint that `S` asks for a corrected caption, or NULL. */
	const struct score_remote *judge;
	/* The scorers' settings: a saved edit's corrected text is scored by
	 * the built-in text scorers (score_edit) at once; NULL: not scored. */
	const struct score_config *scoring;
	/* The learned model retrains (`assay learn` in a child process) after
	 * this many decisions of the session; 0: never; -1: the config's
	 * review.retrain_every, else 50. Needs scoring. */
	int retrain_every;
	/* A read-only walk (the audit drill-down): only these decisions, in
	 * this order, and no key changes anything. NULL: the queue. */
	const tui_pick *only;
	size_t n_only;
	/* Only the samples of this --where expression (checked by the caller;
	 * `f` edits it on the screen), or NULL. */
	const char *where;
} tui_review_opts;

/* What the session did, printed after the screen closes. */
typedef struct tui_summary {
	int64_t decided, accepted, edited, rejected, skipped, undone, notes;
	double seconds;
	/* what the annotator left unsaved, quitting while another writer held
	 * the database ("accept", "undo", ...), or NULL */
	const char *unsaved;
} tui_summary;

/* Runs the review screen on the terminal until the annotator quits.
 * Every decision is committed before the next sample is drawn. */
int tui_review_run(store *s, const tui_review_opts *o, tui_summary *sum, assay_error *err);

/* `assay review --conflicts`: walks the samples whose annotators' verdicts
 * differ and no lead adjudicated (o->batch limits it; o->annotator is the
 * lead), showing every verdict, reason and edit, and records the lead's
 * decision with store_adjudicate. sum->decided counts the samples settled,
 * sum->skipped those passed over. */
int tui_conflicts_run(store *s, const tui_review_opts *o, tui_summary *sum, assay_error *err);

/* What `assay audit` shows. */
typedef struct tui_audit_opts {
	const char *db_name;     /* shown in the top bar */
	const char *batch;       /* only this batch, or NULL */
	int64_t since_ms, until_ms; /* decisions in [since, until); 0: open */
	const conf_theme *theme;
	const conf *config;      /* `reasons` for nothing yet; may be NULL */
	const store_where *where; /* only the samples of this slice, or NULL */
	const char *where_text;  /* its canonical spelling, for the top bar */
} tui_audit_opts;

/* The read-only audit dashboard: rejection rates per annotator, reason,
 * batch and model with Wilson whiskers, daily sparklines, the scorers'
 * calibration and histograms; Enter on a bar opens its samples in a
 * read-only review. Panels are computed when first shown. */
int tui_audit_run(store *s, const tui_audit_opts *o, assay_error *err);

#endif
