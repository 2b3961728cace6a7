/* audit_stats.h — the audit layer's database side: decisions grouped by
 * annotator, batch, reason, day, week, model or a record field with rates
 * and intervals; agreement between annotators; scorer calibration against
 * the human verdicts. The maths is in audit.h. */
#ifndef ASSAY_AUDIT_STATS_H
#define ASSAY_AUDIT_STATS_H

#include "assay/audit.h"
#include "assay/store.h"

enum audit_by {
	AUDIT_BY_ANNOTATOR,
	AUDIT_BY_BATCH,
	AUDIT_BY_REASON,
	AUDIT_BY_DAY,
	AUDIT_BY_WEEK,
	AUDIT_BY_FIELD, /* model (meta.model) or meta.FIELD: a record field */
};

#define AUDIT_MAX_BY 4

typedef struct audit_stats_opts {
	int by[AUDIT_MAX_BY];     /* enum audit_by */
	size_t n_by;
	const char *field;        /* dotted path for AUDIT_BY_FIELD ("meta.model") */
	int64_t since_ms, until_ms;
	const char *annotator;    /* only this annotator, or NULL */
	const char *batch;        /* only this batch, or NULL */
	const store_where *where; /* only the samples of this slice, or NULL */
} audit_stats_opts;

/* What a group's key part is: a value from the data, or a group of its
 * own that no value can fall into (key[i] then holds its placeholder:
 * "(none)", "(no reason)", "(not rejected)"). */
enum audit_key_kind {
	AUDIT_KEY_VALUE,        /* key[i] is the data's value */
	AUDIT_KEY_MISSING,      /* the record field is absent or null */
	AUDIT_KEY_NO_REASON,    /* rejected without a reason */
	AUDIT_KEY_NOT_REJECTED, /* --by reason: accepted or edited */
};

/* One row of the table: a group (or the total). */
typedef struct audit_group {
	char *key[AUDIT_MAX_BY];  /* the group's value per --by, or a placeholder */
	uint8_t key_kind[AUDIT_MAX_BY]; /* enum audit_key_kind */
	uint64_t decided, accepted, edited, rejected;
	audit_rate reject_rate;   /* rejected / decided with its Wilson interval */
	audit_rate edit_rate;     /* edited / decided */
	double median_secs;       /* median seconds spent per sample; NaN if unknown */
	double per_hour;          /* samples per hour at that median */
	double edit_distance;     /* mean word edit distance of the edits; NaN if none */
	double edit_share;        /* words changed / words of the originals edited */
	/* --by reason: the group's rejections among all rejections, and its
	 * decisions among all decisions, of the groups that share its other
	 * key parts (NaN rates when there is no reason in the key). */
	audit_rate reason_share, decision_share;
} audit_group;

typedef struct audit_stats {
	audit_group *groups;      /* sorted by key */
	size_t n;
	audit_group total;
} audit_stats;

int audit_stats_compute(store *s, const audit_stats_opts *o, audit_stats *out, assay_error *err);
void audit_stats_free(audit_stats *st);
/* Parses a --by value into *by (and *field for model / meta.FIELD). */
int audit_by_parse(const char *name, int *by, const char **field);
const char *audit_by_name(int by);
/* The reason grouping's position in o->by, or -1. */
int audit_by_reason_index(const audit_stats_opts *o);

/* ---- Agreement ------------------------------------------------------------ */

typedef struct audit_pair {
	char *a, *b;              /* annotator names */
	audit_agreement kappa3;   /* Cohen's kappa: accepted / edited / rejected */
	audit_agreement kappa2;   /* Cohen's kappa: keep / reject */
} audit_pair;

typedef struct audit_conflict {
	int64_t sample_id;
	char *ext_id;
	char *verdicts;           /* "ann=accepted, bob=rejected" */
	bool keep_reject;         /* the annotators disagree on keep vs reject */
	int64_t *annotator_ids;   /* who decided it, in the order of verdicts */
	size_t n_annotators;
} audit_conflict;

typedef struct audit_agreement_report {
	size_t n_items;           /* samples decided by two or more annotators */
	size_t n_raters;
	audit_agreement fleiss3, fleiss2, alpha3, alpha2;
	audit_pair *pairs;
	size_t n_pairs;
	audit_conflict *conflicts;
	size_t n_conflicts;
} audit_agreement_report;

/* Over the samples of the slice where (NULL: all). */
int audit_agreement_compute(store *s, const store_where *where, audit_agreement_report *out,
			    assay_error *err);
void audit_agreement_free(audit_agreement_report *r);

/* ---- Calibration ------------------------------------------------------------ */

typedef struct audit_scorer_report {
	char *scorer;             /* a scorer's name, or "quality" (the combined score) */
	size_t n;                 /* decided samples with this score */
	size_t n_rejected, n_bad2;/* rejected; rejected or edited */
	audit_auc_ci auc;         /* against rejection */
	audit_auc_ci auc2;        /* against rejection or edit */
	audit_threshold at_flag;  /* the scorer's own flag (its configured threshold) */
	audit_threshold best95;   /* the most recall at >= 95% precision */
	uint64_t hist_bad[10], hist_good[10];
	/* Judged against verdicts its model was trained on (the learned
	 * score): the figures flatter it. oof_auc: the model's own
	 * out-of-fold AUC as `learn` measured it, NaN if unknown. */
	bool in_sample;
	double oof_auc;
} audit_scorer_report;

typedef struct audit_calibration {
	audit_scorer_report *v;
	size_t n;
} audit_calibration;

/* A sample counts as rejected when most of its verdicts reject it (a tie
 * counts as rejected), and as "rejected or edited" likewise. Over the
 * samples of the slice where (NULL: all). */
int audit_calibration_compute(store *s, const store_where *where, audit_calibration *out,
			      assay_error *err);
void audit_calibration_free(audit_calibration *c);

/* ---- The shareable report -------------------------------------------------- */

/* How many samples the report and the dashboard list at most behind a
 * figure (conflicts, automatic decisions), and rejections per reason. */
#define AUDIT_LIST_MAX 50
#define AUDIT_PER_REASON 3

typedef struct audit_report_opts {
	const char *db_name;      /* shown in the header (escaped) */
	const store_where *where; /* the slice reported on, or NULL: every sample */
	const char *where_text;   /* its canonical spelling, shown at the top */
	/* Appends a small picture of the sample (an <img> data: URI) beside
	 * its text in the lists of examples and conflicts, or nothing; NULL:
	 * none. */
	void (*thumb)(void *ud, int64_t sample_id, abuf *out);
	void *thumb_ud;
} audit_report_opts;

/* Appends one self-contained HTML page (inline CSS and SVG charts, no
 * scripts, nothing external) with the rates by annotator, reason, batch and
 * model, the daily volume, agreement and the calibration table with score
 * histograms, each over the slice o->where. */
int audit_report_html(store *s, const audit_report_opts *o, abuf *out, assay_error *err);

#endif
