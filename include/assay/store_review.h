/* store_review.h — part of the store's interface: review: annotators, the queue, leases, decisions, undo, notes, adjudication.
 * Included by assay/store.h (include that, never this file). */
#ifndef ASSAY_STORE_REVIEW_H
#define ASSAY_STORE_REVIEW_H

#ifndef ASSAY_STORE_H
#error "include assay/store.h, not store_review.h"
#endif

/* ======================================================================
 * review: annotators, queue, leases, decisions, undo, notes
 * (src/store/review.c)
 * ====================================================================== */

/* The id of the annotator called name, created on first use. */
int store_annotator_ensure(store *s, const char *name, int64_t *id, assay_error *err);

/* Annotators whose name starts with this are machines (`decide --auto`
 * records as auto:learned@VERSION): agreement statistics leave them out and
 * export's provenance marks their decisions. */
#define STORE_AUTO_PREFIX "auto:"

/* What an annotator did to a sample. */
enum store_kind {
	STORE_ACCEPT,
	STORE_EDIT,    /* text: the corrected text */
	STORE_REJECT,  /* reason: why */
	STORE_SKIP,    /* comes back at the end of the queue */
	STORE_NOTE,    /* text: the note; no verdict */
};

typedef struct store_decision_in {
	int64_t sample_id;
	int64_t annotator_id;
	int kind;             /* enum store_kind */
	const char *text;     /* edit: the new text; note: the note */
	const char *reason;   /* reject: the reason */
	int64_t ms_spent;     /* time the sample was on screen */
	const char *session;  /* the review session, or NULL */
	/* On a pair (store_pair_get): the preference (enum store_pref; a pair
	 * takes no verdict without one but a skip or a note) with kind
	 * STORE_ACCEPT (a, b, tie), STORE_EDIT (a or b, text: the chosen one
	 * corrected) or STORE_REJECT (both-bad; reason optional); and which
	 * candidate was on the left (enum store_place). */
	int pref;
	int placement;
} store_decision_in;

/* Writes the event and (for all but notes) the current decision in one
 * transaction, and releases the annotator's lease on the sample. An edit
 * records its word edit distance to the original. An edit equal to the
 * original is refused (ASSAY_EINVAL). Sets *event_id. */
int store_decide(store *s, const store_decision_in *in, int64_t *event_id, assay_error *err);

/* A lead's final verdict on a sample (kind STORE_ACCEPT, EDIT or REJECT),
 * which export honours over the annotators' verdicts. */
int store_adjudicate(store *s, const store_decision_in *in, int64_t *event_id, assay_error *err);

/* Undoes the annotator's latest verdict that is not undone yet: writes an
 * undo event and restores the sample's previous decision by this annotator
 * (or removes it). Works across sessions and restarts: the undo stack is
 * read from the events. *sample_id gets the sample; ASSAY_ENOTFOUND when
 * there is nothing left to undo. */
int store_undo(store *s, int64_t annotator_id, const char *session, int64_t *sample_id,
	       assay_error *err);
/* Undoes every verdict of the annotator, newest first, each as store_undo
 * does (an undo event each), in transactions of a few hundred; *n gets how
 * many were undone (0: nothing to undo). */
int store_undo_all(store *s, int64_t annotator_id, const char *session, int64_t *n,
		   assay_error *err);
/* Undoes the annotator's latest verdict on one sample as store_undo does
 * (ASSAY_ENOTFOUND: none); inside the caller's transaction if one is open. */
int store_undo_on(store *s, int64_t annotator_id, int64_t sample_id, const char *session,
		  assay_error *err);

/* A sample `decide --auto` would reject: undecided (no verdict but skips,
 * no adjudication) with a learned score of the given model. */
typedef struct store_auto_row {
	int64_t sample_id;
	char *ext_id;
	double value;  /* the learned value: 1 - P(rejected) */
	char *why;     /* the learned score's reason in words */
	char *likely;  /* the model's likely reject reason, or NULL */
} store_auto_row;

/* Up to max such samples with a learned value <= max_value from model
 * `model`, after (*after_value, *after_id) in (value, id) order (start
 * with -INFINITY, 0; both advance): *rows (an array of *n; free with
 * store_auto_rows_free) is empty at the end. */
int store_auto_page(store *s, int64_t model, double max_value, size_t max, double *after_value,
		    int64_t *after_id, store_auto_row **rows, size_t *n, assay_error *err);
void store_auto_rows_free(store_auto_row *rows, size_t n);
/* Whether a sample is still undecided (no verdict but skips, no
 * adjudication) and on nobody's screen (no live lease): decide --auto
 * checks it again inside the transaction that would reject it. On
 * PostgreSQL it also takes the sample's claim lock for that transaction
 * (not open while an annotator's claim of it is in flight), as SQLite's
 * write transaction keeps claims out, and tests the leases by the server's
 * clock, by which they end there (now_ms is SQLite's). */
int store_auto_open(store *s, int64_t sample_id, int64_t now_ms, bool *open, assay_error *err);
/* Rejects the rows of a page (store_auto_page) as annotator `who` in one
 * transaction, each with `reason` (NULL: its likely reason, else "other"),
 * leaving alone a sample decided, adjudicated or taken onto someone's
 * screen since the page was read (store_auto_open, checked again inside
 * the transaction); *done gets how many were rejected. On PostgreSQL the
 * page is locked, tested and written by a few statements for all its rows,
 * the same events and decisions in the same order. */
int store_auto_reject(store *s, int64_t who, const store_auto_row *rows, size_t n,
		      const char *reason, int64_t *done, assay_error *err);
/* How many undecided samples have no learned score of model `model` (not
 * scored since it was trained). */
int store_auto_unscored(store *s, int64_t model, int64_t *n, assay_error *err);

/* ---- The review queue (src/store/queue.c) ---- */

/* learned: the learned scorer's value ascending (the likeliest rejection
 * first); uncertain: its distance to 0.5 ascending (the decision boundary
 * first). Both show the samples without a learned value after the others,
 * in import order. */
enum store_order {
	STORE_ORDER_QUALITY,
	STORE_ORDER_IMPORT,
	STORE_ORDER_RANDOM,
	STORE_ORDER_LEARNED,
	STORE_ORDER_UNCERTAIN,
};
enum store_show {
	STORE_SHOW_UNDECIDED, /* not decided by this annotator (skipped ones come at the end) */
	STORE_SHOW_SKIPPED,
	STORE_SHOW_REJECTED,
	STORE_SHOW_EDITED,
	STORE_SHOW_ALL,
};

/* What an annotator reviews, in which order. */
typedef struct store_queue {
	int64_t annotator_id;
	int64_t batch_id;     /* 0: every batch */
	int order;            /* enum store_order */
	uint64_t seed;        /* for STORE_ORDER_RANDOM */
	int show;             /* enum store_show */
	int overlap;          /* up to this many annotators decide a sample (>= 1) */
	int64_t lease_ms;     /* how long a sample on screen stays this annotator's */
	struct queue_slice *slice; /* only a --where's samples (store_queue_where), or NULL */
	bool peek;            /* store_queue_next only looks: nothing is leased or written
				 (what comes next, to prepare it) */
} store_queue;

struct store_where;
/* Narrows q to the samples w selects (NULL: every sample again): each
 * order's probe and the counts are prepared once with it here, kept until
 * store_queue_where_free (or the next call; before store_close). A cursor
 * that walked under another filter must be zeroed. */
int store_queue_where(store *s, store_queue *q, const struct store_where *w, assay_error *err);
void store_queue_where_free(store_queue *q);

/* Where the annotator is in the queue: a key in the queue's order. Zero it
 * to start a walk; store_queue_next fills and advances it. */
#define STORE_CURSOR_AHEAD 32
typedef struct store_cursor {
	int phase;            /* 0: unscored (quality order), 1: main pass, 2: skipped, 3: done,
				 4: no learned value (learned orders) */
	double quality;       /* the order's key: quality, learned value, distance to 0.5 */
	int64_t key;          /* the hash, for the random order */
	int64_t id;
	bool started;         /* false: a fresh cursor */
	bool ring;            /* the pass began mid-order: it wraps round to where it began */
	bool wrapped;         /* in the wrapped-round part of the pass */
	int stop_phase;       /* where the pass began (the wrapped part stops there) */
	double stop_quality;
	int64_t stop_key, stop_id;
	/* the uncertain order: the near-duplicate cluster handed out last, and
	 * the samples handed out ahead of the cursor to keep its members apart */
	int64_t last_cluster;
	int64_t ahead[STORE_CURSOR_AHEAD];
	int n_ahead;
} store_cursor;

/* Claims the next sample after *cur (and advances it): eligible samples are
 * those the filter shows that fewer than `overlap` other annotators decided
 * or hold. The walk reads outside any write transaction; the sample found
 * is checked again and leased to this annotator in one short IMMEDIATE
 * transaction, so two annotators never get the same sample in exclusive
 * mode and a long walk never holds up the others' decisions. Every query
 * walks an index from the cursor. ASSAY_ENOTFOUND when the queue is empty.
 *
 * A fresh cursor on the undecided samples resumes where work stopped, read
 * from the events (no state file): at the sample of the annotator's latest
 * verdict or undo, or with overlap 1 at the furthest of that and anyone's
 * latest verdict (in the queue's order and batch). The pass goes from there
 * to the end of the order, then wraps round from its start up to where it
 * began (picking up samples left behind: undone, leases that expired, new
 * imports), then the annotator's skipped samples in import order. So the
 * first sample is found without walking the decided ones. The random order
 * is the hash index walked as a ring from a point derived from the seed.
 * The uncertain order never hands out two members of one near-duplicate
 * cluster (the neardup score's) in a row while the same part of the pass
 * holds a sample of another: that one goes first, the one passed over
 * right after it (up to STORE_CURSOR_AHEAD samples handed out ahead of
 * their turn and still offered). */
int store_queue_next(store *s, const store_queue *q, store_cursor *cur, int64_t *sample_id,
		     assay_error *err);
/* A decision on the sample on screen (store_decide's), then the walk and
 * the claim of the next sample (store_queue_next's) in one transaction:
 * one commit a key, the same samples handed out as by the two calls one
 * after the other. *saved tells whether the decision was recorded: it is
 * committed before the claim's outcome is known to the caller, and also
 * when the queue is empty (ASSAY_ENOTFOUND) or the walk failed (then
 * written alone); when not saved, the cursor is as it was. PostgreSQL:
 * the two one after the other. */
int store_decide_next(store *s, const store_decision_in *in, const store_queue *q,
		      store_cursor *cur, int64_t *event_id, int64_t *sample_id, bool *saved,
		      assay_error *err);
/* Whether any sample has a combined quality score (quality order then). */
int store_has_quality(store *s, bool *yes, assay_error *err);
/* Whether any sample has a learned score (the learned orders need one). */
int store_has_learned(store *s, bool *yes, assay_error *err);
/* Samples the queue's filter covers, and how many this annotator decided. */
int store_queue_counts(store *s, const store_queue *q, int64_t *total, int64_t *decided,
		       assay_error *err);
/* Takes (or extends) the lease on a sample and gives up the others this
 * annotator holds (what store_queue_next does to the sample it hands
 * out), unless q->overlap other annotators hold live leases on it (then
 * nothing changes): 1 taken, 0 held by others, < 0 error. */
int store_lease_renew(store *s, const store_queue *q, int64_t sample_id, assay_error *err);
/* The same, keeping the others this annotator holds. */
int store_lease_take(store *s, const store_queue *q, int64_t sample_id, assay_error *err);
/* Extends every live lease this annotator holds to q->lease_ms from now;
 * one that ran out stays out (another annotator may hold the sample now). */
int store_lease_renew_all(store *s, const store_queue *q, assay_error *err);
int store_lease_release(store *s, int64_t annotator_id, int64_t sample_id, assay_error *err);
/* Gives up every lease this annotator holds (the session ends). */
int store_lease_release_all(store *s, int64_t annotator_id, assay_error *err);
/* store_undo for q's annotator, and in the same transaction the lease on
 * the undone sample (store_lease_renew's), so no other annotator is handed
 * it in between. *leased false: another annotator holds it (the sample
 * was a skip). */
int store_undo_claim(store *s, const store_queue *q, const char *session, int64_t *sample_id,
		     bool *leased, assay_error *err);

/* This annotator's current verdict on a sample: verdict "" when none. */
typedef struct store_decision {
	char verdict[16];
	char *text;
	char *reason;
	int64_t decided_at;
	int pref; /* on a pair: enum store_pref (the candidate as imported) */
} store_decision;

int store_decision_get(store *s, int64_t sample_id, int64_t annotator_id, store_decision *out,
		       assay_error *err);
void store_decision_free(store_decision *d);

/* The notes on a sample, oldest first, as "who: text" lines. */
int store_notes_for(store *s, int64_t sample_id, char ***out, size_t *n, assay_error *err);

/* The next sample after after_id (in id order, wrapping once) whose text
 * contains needle (ASCII case-insensitive); ASSAY_ENOTFOUND when none. */
int store_search(store *s, const store_queue *q, const char *needle, int64_t after_id,
		 int64_t *sample_id, assay_error *err);

/* ---- Adjudication (src/store/adjudicate.c) ---- */

/* The first conflicting sample after after_id, in id order: two or more
 * annotators' current verdicts (skips left out) that are not all the same
 * (on a pair: their preferences), and no lead adjudication yet. batch_id 0: any batch. Walks the decisions'
 * key from the cursor. ASSAY_ENOTFOUND when none is left. */
int store_conflict_next(store *s, int64_t batch_id, int64_t after_id, int64_t *sample_id,
			assay_error *err);
/* store_conflict_next for a lead (q->annotator_id, q->batch_id): the
 * first such sample after after_id that no other lead or annotator holds a
 * live lease on, leased to this lead in the same transaction (the lead's
 * other leases given up; store_adjudicate releases it), so two leads never
 * adjudicate one sample at once. On PostgreSQL the leads' walks take turns
 * (a transaction advisory lock on the store). */
int store_conflict_claim(store *s, const store_queue *q, int64_t after_id, int64_t *sample_id,
			 assay_error *err);
/* A live lease another annotator holds (store_adjudicate_unheld): the
 * holder's name (allocated) and when the lease ends, with the time it was
 * read, both in ms by the store's clock (on PostgreSQL the server's). */
typedef struct store_lease_holder {
	char *name;
	int64_t until, now;
} store_lease_holder;
/* store_adjudicate for a lead outside the conflicts screen (decide
 * --adjudicate), refused (ASSAY_ECONFLICT, nothing written) while another
 * lead or annotator holds a live lease on the sample, as the leads' walks
 * pass over it: *held then says whose (the newest such lease; free
 * held->name). The test and the adjudication are one transaction; on
 * PostgreSQL it takes its turn with the leads' walks and the sample's
 * claims first, so none leases the sample before this commits. */
int store_adjudicate_unheld(store *s, const store_decision_in *in, int64_t *event_id,
			    store_lease_holder *held, assay_error *err);
/* How many samples store_conflict_next would walk from the start. */
int store_conflict_count(store *s, int64_t batch_id, int64_t *n, assay_error *err);

/* One annotator's current verdict on a sample, with the annotator's name. */
typedef struct store_named_verdict {
	int64_t annotator_id;
	char *annotator;
	char verdict[16];   /* "accepted", "edited", "rejected" */
	char *text;         /* the correction when edited, else NULL */
	char *reason;       /* the reason when rejected, else NULL */
	int64_t decided_at; /* unix ms */
	int pref;           /* on a pair: enum store_pref, the candidate as imported */
	int placement;      /* on a pair: enum store_place, which was on the left */
} store_named_verdict;

/* Every annotator's current verdict on a sample (skips left out), oldest
 * first. *out (an array of *n) is freed with store_named_verdicts_free. */
int store_verdicts_of(store *s, int64_t sample_id, store_named_verdict **out, size_t *n,
		      assay_error *err);
void store_named_verdicts_free(store_named_verdict *v, size_t n);

/* The lead's adjudication of a sample (verdict "" when none); *lead, when
 * not NULL, gets the lead's name (caller frees; NULL when none). Free *out
 * with store_decision_free. */
int store_adjudication_get(store *s, int64_t sample_id, store_decision *out, char **lead,
			   assay_error *err);

/* (end of review section) */

#endif
