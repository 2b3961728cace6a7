/* store_pairs.h — part of the store's interface: pairs and preferences,
 * learned models, slices (--where), deciding a slice in bulk, and the
 * samples behind a report's figures.
 * Included by assay/store.h (include that, never this file). */
#ifndef ASSAY_STORE_PAIRS_H
#define ASSAY_STORE_PAIRS_H

#ifndef ASSAY_STORE_H
#error "include assay/store.h, not store_pairs.h"
#endif

/* ======================================================================
 * Pairs of candidates and the preferences between them (src/store/pairs.c)
 * ====================================================================== */

/* A verdict on a pair names a candidate as imported, never a screen side. */
enum store_pref { STORE_PREF_NONE, STORE_PREF_A, STORE_PREF_B, STORE_PREF_TIE,
		  STORE_PREF_BOTH_BAD };
/* Which candidate was on the left of the screen. */
enum store_place { STORE_PLACE_NONE, STORE_PLACE_AB /* a left */, STORE_PLACE_BA };

/* "a", "b", "tie", "both-bad" (NULL for none) and back (STORE_PREF_NONE
 * for anything else). */
const char *store_pref_name(int pref);
int store_pref_parse(const char *name);

typedef struct store_pair {
	int64_t sample_id;
	char *a_field, *b_field;
	char *a_text, *b_text;
	char *a_model, *b_model; /* NULL when not known */
	char *a_model_field, *b_model_field; /* the fields they came from, or NULL */
	int claimed;             /* STORE_PREF_A, STORE_PREF_B or STORE_PREF_NONE */
	bool chat;               /* the candidates were message lists */
} store_pair;

/* The pair stored as sample sample_id; *found false when it is a single
 * sample. Free with store_pair_free. */
int store_pair_get(store *s, int64_t sample_id, store_pair *out, bool *found,
		   assay_error *err);
void store_pair_free(store_pair *p);

/* Candidate b's scores (src/store/pair_scores.c): a's are the sample's.
 * store_pair_b_todo: up to max ids of pairs after *after (moved on past
 * what it read) of q's batches whose b lacks a current score of one of
 * q's wanted scorers (a failed one is not current; every pair with
 * q->rescore); *n 0 at the end. Only SQLite stores hold pairs. */
int store_pair_b_todo(store *s, const store_score_query *q, int64_t *after, int64_t *ids,
		      size_t max, size_t *n, assay_error *err);
/* Inserts or replaces b's (pair, scorer) score; inside a transaction. */
int store_pair_b_score_put(store *s, const store_score_row *r, assay_error *err);
/* b's scores, flagged first then the lowest; free with store_scores_free. */
int store_pair_b_scores_get(store *s, int64_t sample_id, store_score **out, size_t *n,
			    assay_error *err);

/* The current preference of one annotator on a pair. */
typedef struct store_pref_row {
	int64_t sample_id, annotator_id, batch_id;
	const char *annotator;
	const char *a_model, *b_model; /* NULL when not known */
	int claimed;   /* enum store_pref: A, B or NONE */
	int pref;      /* enum store_pref */
	int placement; /* enum store_place */
	const char *text;   /* the corrected chosen one, or NULL */
	const char *reason; /* or NULL */
	int64_t at;
} store_pref_row;

/* Which preferences store_prefs_each reads (zero: every human one). */
struct store_where;
typedef struct store_prefs_filter {
	int64_t batch_id;           /* 0: every batch */
	int64_t annotator_id;       /* 0: every annotator */
	int64_t since_ms, until_ms; /* decided in [since, until); 0: unbounded */
	const struct store_where *where; /* only the pairs of this slice, or NULL */
	bool machines;              /* annotators named STORE_AUTO_PREFIX... too */
} store_prefs_filter;

/* Every current preference f selects in (sample, decision time) order.
 * fn's non-zero return stops the walk and is returned. */
int store_prefs_each(store *s, const store_prefs_filter *f,
		     int (*fn)(void *ud, const store_pref_row *r), void *ud, assay_error *err);

/* A pair as export sees it, with its annotators' current preferences.
 * Pointers are valid during the callback only. */
typedef struct store_pair_row {
	int64_t sample_id;
	const char *ext_id, *batch;
	const char *record;
	size_t record_len;
	const char *context;       /* JSON array of {"name"|"role", "text"}, or NULL */
	const char *text_field;    /* candidate a's path (a turn's, for chat) */
	store_pair pair;           /* borrowed strings */
	const store_pref_row *prefs;
	size_t n_prefs;
	/* A lead's adjudication (review --conflicts): its preference
	 * (STORE_PREF_NONE when none), corrected chosen one and lead. */
	int adj_pref;
	const char *adj_text, *adj_lead;
} store_pair_row;

/* Every pair (of the batch named batch, NULL: all; with the annotator
 * named annotator's preferences only, NULL: all) in id order. */
int store_pairs_each(store *s, const char *batch, const char *annotator,
		     int (*fn)(void *ud, const store_pair_row *r), void *ud, assay_error *err);

/* A single sample as import --group-by pairs it up. Strings are valid
 * during the callback only. */
typedef struct store_group_row {
	const char *group;   /* the group field's value as JSON text */
	int64_t sample_id;
	const char *ext_id, *text;
	const char *context; /* JSON array of {"name"|"role", "text"}, or NULL */
	const char *model;   /* the record's model, else meta.model, or NULL */
	const char *batch;
} store_group_row;

/* Every single sample (not a pair, not in batch into_batch; of batch
 * from_batch, NULL: any) whose record holds field (a dotted path; a
 * literal key with the dot wins), in (group value, id) order. fn's
 * non-zero return stops the walk and is returned. */
int store_group_each(store *s, const char *from_batch, const char *into_batch, const char *field,
		     int (*fn)(void *ud, const store_group_row *r), void *ud, assay_error *err);

/* ======================================================================
 * Learned models (src/store/models.c)
 * ====================================================================== */

/* One stored version of a model: its bytes, when it was trained, on how
 * many verdicts of each class, and what it was trained with (info: JSON
 * text of settings, features and figures). */
typedef struct store_model {
	int64_t version; /* the row id: versions only grow */
	int64_t created_at;
	int64_t n_rejected, n_kept;
	char *info;
	void *bytes;
	size_t len;
} store_model;

/* Adds a version of the model called name; *version gets its number. */
int store_model_put(store *s, const char *name, const store_model *m, int64_t *version,
		    assay_error *err);
/* The newest version of name into *out (*found false when none); free
 * with store_model_free. */
int store_model_latest(store *s, const char *name, store_model *out, bool *found,
		       assay_error *err);
void store_model_free(store_model *m);
/* The newest version of name (*version 0 when none) and the out-of-fold
 * ROC AUC `learn` measured for it (NaN when it holds none). */
int store_model_oof_auc(store *s, const char *name, int64_t *version, double *auc,
			assay_error *err);
/* How many samples hold a verdict other than a skip (what `learn` learns
 * from, before resolving annotators). */
int store_decided_count(store *s, int64_t *n, assay_error *err);

/* ======================================================================
 * Slices: a --where expression compiled to SQL (src/store/where.c)
 * ====================================================================== */

struct query_expr;

enum store_where_type { STORE_WHERE_INT, STORE_WHERE_REAL, STORE_WHERE_TEXT };

/* One bound value of a compiled --where. */
typedef struct store_where_value {
	int type; /* enum store_where_type */
	int64_t i;
	double d;
	char *text;
} store_where_value;

/* A compiled --where: a boolean SQL fragment over the samples table
 * aliased s, and the values of its parameters ?100, ?101, ... in order (a
 * statement around it numbers its own parameters ?1..?99). No value is
 * ever part of the SQL text. */
typedef struct store_where {
	char *sql;
	/* the same test with score tests as a probe per sample, for a walk
	 * along another index (the review queue); the same values */
	char *sql_each;
	store_where_value *values;
	size_t n_values;
	/* PostgreSQL's fragment, its values the elements of one text[]
	 * parameter (written $W: the statement around it numbers it), and that
	 * parameter's value */
	char *sql_pg;
	char *pg_values;
	bool regex; /* matches a /regex/ (a function the store registers) */
	bool kind;  /* tests a text's kind (likewise) */
} store_where;

/* Compiles e (NULL: every sample). What each field means:
 *  flagged(N), score.N OP x, learned OP x: the sample's score by scorer N
 *    ("learned": the learned model's), a failed score matching nothing;
 *  quality OP x: the combined score (an unscored sample matches nothing);
 *  meta.P OP v: the record's field meta.P, a number compared with a number,
 *    a string equal to a string (a record that is not JSON matches nothing);
 *  batch = B: imported in the batch named B;
 *  kind = K: the text's kind as the scorers take it (text_kind: the
 *    batch's declared kind, else by its text field and context);
 *  verdict, reason, annotator, decided_after, decided_before: a current
 *    decision (a skip is one) of the sample has it; such tests joined by
 *    `and` hold for one and the same decision (annotator = "bob" and
 *    verdict = rejected: bob rejected it); verdict = undecided: no current
 *    decision but skips; decided_after = D: on or after D's midnight UTC;
 *    decided_before = D: before it;
 *  conflict: two current verdicts (skips aside) differ, adjudicated or not;
 *  edited: a current verdict is an edit;
 *  spotcheck = N: drawn for the spot-check N (store_spotcheck_add);
 *  text ~ "s": the text contains s, ASCII letters in any case; text ~ /re/:
 *    a POSIX extended regex, ignoring case, matches the text.
 *  `F != v` is exactly `not F = v`. Free out with store_where_free. */
int store_where_compile(const struct query_expr *e, store_where *out, assay_error *err);
void store_where_free(store_where *w);
/* How many samples the compiled expression selects. */
int store_where_count(store *s, const store_where *w, int64_t *n, assay_error *err);
/* The same, and how many of them have a current verdict (a skip is none). */
int store_where_tally(store *s, const store_where *w, int64_t *n, int64_t *decided,
		      assay_error *err);
/* Calls fn with the id of every sample the expression selects, in id
 * order; stops when fn returns non-zero and returns that. Streams. */
int store_where_each(store *s, const store_where *w, int (*fn)(void *ud, int64_t sample_id),
		     void *ud, assay_error *err);

/* ---- Deciding a slice in bulk (src/store/slice.c) ---- */

/* A sample of a slice. Strings are valid during the callback only; text
 * is the sample's first STORE_EXAMPLE_CHARS characters. */
typedef struct store_slice_row {
	int64_t id;
	const char *ext_id;
	const char *text;
	bool pair; /* a pair of candidates (decided with a preference) */
} store_slice_row;

enum store_slice_mine {
	STORE_SLICE_UNDECIDED, /* the annotator has no current verdict (a skip is none) */
	STORE_SLICE_DECIDED,   /* the annotator has a current decision (a skip is one) */
};

/* The id of the annotator named name, 0 when there is none (writes nothing). */
int store_annotator_find(store *s, const char *name, int64_t *id, assay_error *err);

/* Calls fn with every sample w selects that is `mine` (enum
 * store_slice_mine) for the annotator and, when except is not 0, was not
 * drawn for the spot-check except; in id order. fn must not write (collect
 * the ids); a non-zero return stops the walk and is returned. */
int store_slice_each(store *s, const store_where *w, int64_t annotator_id, int mine,
		     int64_t except, int (*fn)(void *ud, const store_slice_row *r), void *ud,
		     assay_error *err);

/* A bulk verdict on a slice held back until a human has decided the
 * samples drawn from it (spotcheck = ID in a --where selects those). */
typedef struct store_spotcheck {
	int64_t id;
	int kind;             /* STORE_ACCEPT or STORE_REJECT */
	const char *reason;   /* NULL: none */
	int64_t annotator_id; /* who records the bulk verdict */
	uint64_t seed;        /* the draw's seed */
	double max_disagree;  /* the share of the drawn samples that may disagree */
	int64_t created_at;
	int64_t n;            /* how many were drawn */
} store_spotcheck;

/* The newest pending spot-check of the slice where_text (its canonical
 * spelling) with sc's kind, reason and annotator: *found, and sc's id,
 * seed, max_disagree, created_at and n filled. */
int store_spotcheck_find(store *s, const char *where_text, store_spotcheck *sc, bool *found,
			 assay_error *err);
/* Stores a pending spot-check and the n samples drawn for it in one
 * transaction; sets sc->id, created_at and n. */
int store_spotcheck_add(store *s, const char *where_text, store_spotcheck *sc,
			const int64_t *ids, size_t n, assay_error *err);
/* How many drawn samples a human decided (a current verdict, skips and
 * annotators named STORE_AUTO_PREFIX... aside), and how many of those
 * hold a verdict other than sc's (an edit differs from an accept). */
int store_spotcheck_tally(store *s, const store_spotcheck *sc, int64_t *decided,
			  int64_t *disagree, assay_error *err);
/* Marks it applied: it is pending no more. */
int store_spotcheck_applied(store *s, int64_t id, assay_error *err);

/* ---- The samples behind a report's figures (src/store/lists.c) ---- */

/* One decision with its sample, for a list. Strings are valid during the
 * callback only; text is the sample's first STORE_EXAMPLE_CHARS
 * characters. */
#define STORE_EXAMPLE_CHARS 240
typedef struct store_example {
	const char *ext_id;
	const char *text;
	const char *annotator;
	const char *verdict;
	const char *reason;   /* NULL unless rejected (or rejected without one) */
	double learned;       /* the learned scorer's value, NAN when none */
	const char *context;  /* what the text answers, "name: text" lines (at most
				 STORE_EXAMPLE_CHARS), or NULL when none */
	int64_t sample_id, annotator_id;
} store_example;

/* Up to per_reason rejections of each reason (newest first; the reasons in
 * order, a rejection without a reason first), of the samples w selects
 * (NULL: all). */
int store_rejection_examples(store *s, const store_where *w, int per_reason,
			     int (*fn)(void *ud, const store_example *e), void *ud,
			     assay_error *err);
/* Up to max decisions (skips aside) by annotators named "auto:...", the
 * surest first: the learned value farthest from 0.5 (none counts as 0.5). */
int store_auto_examples(store *s, const store_where *w, int max,
			int (*fn)(void *ud, const store_example *e), void *ud, assay_error *err);

#endif
