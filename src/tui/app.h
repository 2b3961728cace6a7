/* app.h — the review screen's state (a view: review.c holds its actions,
 * keys and operations, review_edit.c its editing and suggestions,
 * screen.c its drawing). */
#ifndef ASSAY_TUI_APP_H
#define ASSAY_TUI_APP_H

#include <curses.h>

#include "assay/text.h"
#include "assay/tui.h"
#include "ctxpane.h"
#include "dialogs.h"
#include "draw.h"
#include "edit.h"
#include "mediapane.h"
#include "tally.h"
#include "view.h"
#include "wait.h"

/* an editor may stay open long: the sample is held at least this long */
#define EDIT_LEASE_MS (2 * 60 * 60 * 1000)

typedef struct app app;
#define APP(v) TUI_SELF(v, app)

extern const tui_key tui_keys[];
extern const size_t tui_n_keys;

struct app {
	tui_view view;
	tui_base *b;
	store *s;
	const tui_review_opts *o;
	store_queue q;
	store_cursor cur;
	int64_t annotator_id;
	char session[40];

	/* the sample on screen */
	bool has_sample;
	store_sample smp;
	store_decision dec;
	store_score *scores;
	size_t n_scores;
	/* its corrected text's scores while it is edited (by scorer name),
	 * shown beside the original's, and their combined score (NAN: none) */
	store_score *edit_scores;
	size_t n_edit_scores;
	double edit_quality;
	char **notes;
	size_t n_notes;
	int64_t shown_ns;     /* when it appeared, for the time spent */
	int64_t leased_ns;    /* when its lease was last renewed */
	bool leasing;         /* the queue review (not a read-only or lead's view) */

	/* its metadata as whole "key: value" lines, read from the record once
	 * per sample */
	char **meta;
	size_t n_meta;
	bool meta_ready;

	/* samples seen this session, for h / l */
	int64_t *hist;
	size_t n_hist, cap_hist, pos;

	/* the text as laid out: what is drawn, and the role of each byte */
	abuf shown;
	unsigned char *roles;
	size_t roles_cap;
	text_cells cells;
	text_lines lines;
	int wrap_width;
	bool layout_dirty;
	int scroll;
	bool diff;
	int measure; /* the text wraps at most this wide ([review] measure) */
	/* the rows of each side-pane item at side_w (at most side_cap each),
	 * measured once per redraw: the narrow layout asks twice, and drawing
	 * asks item by item (panes.c) */
	int *side_rows;
	size_t n_side, cap_side;
	int side_w, side_cap, side_need;
	bool side_valid;

	/* the last search: its matches are highlighted, and the first is
	 * scrolled into view once (search_scroll) */
	char *needle;
	bool search_scroll;

	/* the top bar's counts: decided_before when counted (while idle after
	 * the first frame: counting a big queue takes a while), plus what this
	 * session changed since */
	int64_t total, decided_before, delta;
	bool counts_pending;
	tui_summary sum;
	tui_tally tally; /* each sample's last verdict, for the summary */
	int64_t start_ns;
	bool done;
	bool waiting;	   /* the first claim waits for another writer's lock */
	tui_pending pend;  /* a decision or undo waiting for it (review_wait.c) */
	unsigned wait_need; /* the keys' need before that */

	/* `S`: a corrected caption asked of the LLM, without blocking */
	struct score_suggester *sg;
	struct net_pool *pool;
	int64_t suggest_for;   /* the sample asked about; 0: none pending */
	char *suggestion;      /* the answer for the sample on screen */

	/* An edit the store refused (disk full, database locked): kept, and
	 * what `e` opens on that sample, until it is saved. */
	tui_draft draft;
	tui_summary *out; /* gets the summary when the screen closes */

	/* the lease is held long while an editor runs, on this text (owned
	 * in editing_copy when it is a copy; a suggestion is saved as it came
	 * when editing_as_is) */
	bool holding;
	const char *editing;
	char *editing_copy;
	bool editing_as_is;

	tui_reasons reasons;
	tui_ctx ctx; /* the context pane above the text (ctxpane.h) */
	struct tui_pair *pair; /* the pair on screen (review_pair.c), or NULL */
	int text_rows; /* rows the text got at the last draw, for paging */
	struct review_filter *filter; /* the --where in force (review_filter.c) */

	/* the model in the loop (retrain.c): a child retraining it after every
	 * retrain_every decisions (0: never), the newest model's figures, and
	 * the undecided samples' scores following a new one */
	int retrain_every, since_retrain;
	int retrain_pid;
	int64_t model_version, model_verdicts, refreshed;
	double model_auc;
	struct score_refresh *refresh;
	bool refresh_locked; /* it holds the score-run lock (store_score_trylock) */
	tui_media media;     /* the media pane (mediapane.h) */
	int64_t media_ahead; /* the sample whose next ones are being decoded ahead */
};

/* retrain.c: reads the setting and the newest model (start); counts a
 * decision, starting a retrain after every retrain_every; the loop's
 * share (reaps the child, refreshes a page of scores while idle; returns
 * the wait it wants); stops a running retrain (close); the top bar's
 * words about the model into out. */
int tui_retrain_start(app *a, assay_error *err);
void tui_retrain_decided(app *a);
int tui_retrain_tick(app *a, bool idle);
void tui_retrain_stop(app *a);
void tui_retrain_bar(const app *a, char *out, size_t size);

/* screen.c: the review screen's frame, and its text laid out to width
 * and drawn in rows rows from (y, x), the scroll position on the rule
 * below them. */
void tui_draw(app *a);
void tui_layout(app *a, int width);
void tui_text_draw(app *a, int y, int x, int width, int rows);

/* review_edit.c: the corrected text's scores of the sample on screen,
 * read (load) or dropped (free); an edit just saved scored first
 * (rescore: the built-in text scorers only, a few milliseconds; remote
 * scorers wait for `assay score`). */
int tui_edit_scores_load(app *a, assay_error *err);
void tui_edit_scores_free(app *a);
void tui_edit_rescore(app *a);
/* The corrected text's score of the scorer sc names, or NULL. */
const store_score *tui_edit_score_of(const app *a, const store_score *sc);

/* panes.c: the screen's panes (pane.h) laid out in avail rows from y: the
 * media, the context, the text and the side panes (every score, flagged
 * first, and the combined one; metadata wrapped; notes), one above the
 * other, or on a wide screen the media and side panes in a column right of
 * the text; what does not fit is counted on the last row. The key that shows them all in
 * full, and the metadata parsed from the record (freed by meta_free). */
void tui_panes_draw(app *a, int y, int avail);
void tui_key_inspect(tui_view *v);
void tui_meta_free(app *a);
/* Above the editor from row 0: the context's first turns (one row each),
 * then the flagged scores' reasons; how many rows they take at this
 * height. */
int tui_band_rows(app *a);
void tui_band_draw(app *a);

/* review_search.c: `/` (Enter on an empty prompt repeats) and N; marks
 * the matches in the laid-out text and scrolls to the first. */
void tui_key_search(tui_view *v);
void tui_key_search_again(tui_view *v);
/* g: a sample by its id, shown and leased (review_search.c). */
void tui_key_goto(tui_view *v);
void tui_search_mark(app *a);

/* review_filter.c: the queue's --where (o->where at the start, checked
 * by the caller; f edits it), its canonical text for the top bar (NULL:
 * none); tui_filter_free before the store closes. */
int tui_filter_start(app *a, const char *src, assay_error *err);
void tui_filter_free(app *a);
const char *tui_filter_text(const app *a);
void tui_key_filter(tui_view *v);

/* review_scroll.c: the text's scroll keys and the context pane's (J, K,
 * c). */
void tui_key_down(tui_view *v);
void tui_key_up(tui_view *v);
void tui_key_page_down(tui_view *v);
void tui_key_page_up(tui_view *v);
void tui_key_ctx_down(tui_view *v);
void tui_key_ctx_up(tui_view *v);
void tui_key_ctx_fold(tui_view *v);

/* review_media.c: the media pane's keys on the review screen (m, z, [, ],
 * o, y), and its tick: the decodes moved along and, once a sample is on
 * screen and no key waits, the next samples of the walk or the queue
 * (looked at, not leased) decoded ahead. */
void tui_key_media_toggle(tui_view *v);
void tui_key_media_zoom(tui_view *v);
void tui_key_media_prev(tui_view *v);
void tui_key_media_next(tui_view *v);
void tui_key_media_open(tui_view *v);
void tui_key_media_copy(tui_view *v);
int tui_review_media_tick(app *a, bool idle);

/* review_reasons.c: the reason picker with the flagged scorers' reasons
 * first, then the learned model's likely one, then the rest as configured. */
void tui_pick_reason_for(app *a, tui_text_done done);

/* review.c */
/* Walks the queue afresh from the start of its order (its filter
 * changed); h still goes back through the session. */
void tui_requeue(app *a);
/* Shows what the queue answered (rc, id) for the next sample (review.c). */
void tui_arrive(app *a, int rc, int64_t id, const assay_error *err);
/* The screen's first claim, in short tries while another writer holds the
 * lock (review_loop.c); the tick's part: -1 when not waiting, else the
 * milliseconds until the next try. */
void tui_claim_first(app *a);
int tui_claim_wait_tick(app *a);
/* review_wait.c: a decision (in, a copy is kept) or an undo the lock
 * held back, kept pending (false: out of memory, refused with a message);
 * the tick's part (idle: no key came, else the key goes first): -1 when
 * nothing is pending, else the milliseconds until the next try; q while
 * one is pending (it leaves once saved, a second q without it); freed
 * when the screen closes. */
bool tui_pend_decision(app *a, const store_decision_in *in, bool was_decided, bool stay);
void tui_pend_undo(app *a);
int tui_pend_tick(app *a, bool idle);
void tui_pend_quit(app *a);
void tui_pend_free(app *a);
/* review.c: one try of a decision (of an undo) with a short wait for the
 * lock: ASSAY_OK when saved and the screen moved on, ASSAY_EBUSY when
 * another writer holds the lock (nothing was done), else the error, which
 * the screen shows. */
int tui_decide_commit(app *a, const store_decision_in *in, bool was_decided, bool stay,
		      int wait_ms);
int tui_undo_commit(app *a, int wait_ms); /* review_undo.c */
/* The review view's tick and the descriptors its loop polls (review_loop.c). */
int tui_review_tick(tui_view *v, bool idle);
int tui_review_pollfds(tui_view *v, struct pollfd *fds, int cap);
/* Records a decision on the sample on screen (store_decide), then shows
 * the next sample, or the same one again when stay. False when refused. */
bool tui_decide(app *a, int kind, const char *text, const char *reason, bool stay);
/* The same with the whole decision (a pair's pref and placement); the
 * sample, annotator, session and time spent are filled in. */
bool tui_decide_in(app *a, const store_decision_in *in, bool stay);
/* Keys the pair screen shares with the review screen. */
void tui_key_undo(tui_view *v);
void tui_key_skip(tui_view *v);
void tui_key_help(tui_view *v);
void tui_key_quit(tui_view *v);
void tui_key_prev(tui_view *v);
void tui_key_next(tui_view *v);

/* review_pair.c: the pair screen. A pair of candidates on screen gets its
 * own drawing (both side by side, or stacked on a narrow terminal, the
 * context above) and key table (1, 2, =, 0, d, e); placement is a hash of
 * the sample and the annotator, and the verdict names the candidate. */
extern const tui_key tui_pair_keys[];
extern const size_t tui_n_pair_keys;
/* After a sample is loaded: its pair (if it is one) and the key table. */
int tui_pair_load(app *a, assay_error *err);
void tui_pair_free(app *a);
/* Draws the pair screen; false when the sample on screen is no pair. */
bool tui_pair_draw(app *a);
/* Shows sample id (leased) and remembers it in this session's walk. */
void tui_go(app *a, int64_t id);
/* Shows sample id: leased already when the queue or an undo has just
 * handed it out (its claim took the lease); else leased to this annotator
 * if undecided (tui_lease_hold), while a decided one walked back to needs
 * no lease and the one the queue handed out stays the annotator's only
 * lease. False when it is undecided and another annotator holds it (said
 * on screen). */
bool tui_show(app *a, int64_t id, bool leased);
/* Renews the lease on the sample on screen when a tenth of it has passed
 * (held long while an editor runs); the loop's tick calls it. */
void tui_keep_lease(app *a);
/* Keeps this annotator's lease, q->lease_ms long: on the sample on screen
 * when it is undecided (taken again if it ran out and no one took it
 * since; the annotator's other leases given up), else on the sample the
 * queue handed out (one walked back to, decided, needs none). */
int tui_lease_hold(app *a, const store_queue *q, assay_error *err);
/* The read-only review of o->only (o->n_only >= 1, o kept by the caller
 * until it closes) on top of b's stack; h and l walk the list, q closes
 * it. The store may be read-only: nothing is written, not even a lease. */
int tui_review_browse(tui_base *b, const tui_review_opts *o, assay_error *err);

/* review_edit.c: the keys that edit (e, E) and handle a suggestion (S,
 * Enter, x) */
void tui_key_edit(tui_view *v);
void tui_key_edit_external(tui_view *v);
void tui_key_suggest(tui_view *v);
void tui_key_take_suggestion(tui_view *v);
void tui_key_discard_suggestion(tui_view *v);
/* An edit of sample id just saved: its draft goes, its diff shows. */
void tui_edit_saved(app *a, int64_t id);
/* d: the word diff of an edited sample against its original, or back. */
void tui_key_diff(tui_view *v);

#endif
