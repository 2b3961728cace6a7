/* conflicts_int.h — the adjudication screen's state, shared by its
 * actions (conflicts.c) and its drawing and media pane (conflicts_draw.c).
 * Private to src/tui/. */
#ifndef ASSAY_TUI_CONFLICTS_INT_H
#define ASSAY_TUI_CONFLICTS_INT_H

#include "ctxpane.h"
#include "dialogs.h"
#include "doc.h"
#include "edit.h"
#include "mediapane.h"
#include "wait.h"

typedef struct cview {
	tui_view view;
	tui_base *b;
	const tui_review_opts *o;
	int64_t annotator_id;
	char session[40];
	bool has_sample;
	store_sample smp;
	int64_t shown_ns;
	/* conflicts seen this session, for h / l */
	int64_t *hist;
	size_t n_hist, cap_hist, pos;
	bool done; /* none left */
	int scroll, text_rows;
	tui_summary sum;
	tui_summary *out; /* gets the summary when the view closes */
	int64_t start_ns;
	tui_draft draft; /* the lead's edit the store refused */
	tui_reasons reasons;
	int64_t batch_id;
	store_queue q;     /* the lead's leases: the conflict the walk handed out */
	int64_t leased_ns; /* when they were last renewed */
	int64_t cursor; /* the last conflict the walk reached */
	int64_t left;	/* conflicts not adjudicated yet */
	int digit;	/* the digit of the key being handled */
	store_named_verdict *v;
	size_t nv;
	store_decision adj; /* the sample's adjudication, verdict "" when none */
	char *adj_lead;
	tui_doc doc;
	tui_ctx ctx; /* the context pane above the text */
	tui_media media; /* the media pane above it */
	const char *edit_from; /* the text the editor opened on */
	/* a pair of candidates on screen: its candidates, the word diff
	 * between them (d) and the candidate the editor corrects */
	bool is_pair, pair_diff;
	store_pair pair;
	int edit_pref;
	/* the lead's verdict another writer's lock holds back (conflicts_wait.c)
	 * and what the screen says once it is saved */
	tui_pending pend;
	char pend_how[80];
} cview;

#define CV(v) TUI_SELF(v, cview)

/* conflicts.c: the key tables of a sample and of a pair (in the registry,
 * keys.c). */
extern const tui_key tui_conflict_keys[];
extern const size_t tui_n_conflict_keys;
extern const tui_key tui_pair_conflict_keys[];
extern const size_t tui_n_pair_conflict_keys;

/* conflicts.c: records the lead's verdict (on a pair with its preference,
 * enum store_pref) and moves on; false when the store refused it. */
bool tui_conflicts_settle(cview *cv, int kind, int pref, const char *text, const char *reason,
			  const char *how);

/* conflicts.c: what follows the lead's verdict once it is saved: the
 * corrected text scored, the counts, the next conflict and the message. */
void tui_conflicts_saved(cview *cv, const store_decision_in *in, const char *how);

/* conflicts_wait.c: the lead's verdict held back by another writer's lock
 * (store_adjudicate said ASSAY_EBUSY): kept, the keys that only look work,
 * tried again from the tick (>= 0: the tick's wait; -1: none is kept) and
 * saved once the lock is free; q leaves after it, a second q without it. */
bool tui_conflicts_pend(cview *cv, const store_decision_in *in, const char *how);
int tui_conflicts_pend_tick(cview *cv, bool idle);
bool tui_conflicts_pend_quit(cview *cv);

/* conflicts_pair.c: a pair's candidates and preferences as the document,
 * its header line, and the keys that settle it (tui_pair_conflict_keys in
 * conflicts.c). */
void tui_conflicts_pair_build(cview *cv);
void tui_conflicts_pair_header(const cview *cv, char *line, size_t cap);
int tui_conflicts_pair_take(cview *cv, const store_named_verdict *nv);
void tui_conflicts_pair_a(tui_view *v);
void tui_conflicts_pair_b(tui_view *v);
void tui_conflicts_pair_tie(tui_view *v);
void tui_conflicts_pair_both_bad(tui_view *v);
void tui_conflicts_pair_diff(tui_view *v);
void tui_conflicts_pair_edit(tui_view *v);

/* conflicts_draw.c: the screen; the media pane's share of the loop and
 * its keys. */
void tui_conflicts_draw(tui_view *v);
int tui_conflicts_tick(tui_view *v, bool idle);
int tui_conflicts_pollfds(tui_view *v, struct pollfd *fds, int cap);
void tui_conflicts_media_toggle(tui_view *v);
void tui_conflicts_media_zoom(tui_view *v);
void tui_conflicts_media_prev(tui_view *v);
void tui_conflicts_media_next(tui_view *v);
void tui_conflicts_media_open(tui_view *v);
void tui_conflicts_media_copy(tui_view *v);

#endif
