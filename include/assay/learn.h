/* learn.h — a model that learns the human verdict: hashed features of a
 * sample's fields, logistic regression trained online (FTRL-proximal),
 * k-fold out-of-fold and progressive validation, a reject-reason head and
 * explanations in words. Pure: plain structs in, plain structs out; no
 * database, terminal or network (cli/ feeds it from the store). */
#ifndef ASSAY_LEARN_H
#define ASSAY_LEARN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assay/common.h"
#include "assay/text.h"

/* ---- Settings ------------------------------------------------------------ */

typedef struct learn_settings {
	unsigned bits;       /* hash space of 2^bits weights, 16..24 (default 20) */
	unsigned ngrams;     /* word n-grams 1..ngrams, 1..3 (default 2) */
	bool char_ngrams;    /* also character 3-5-grams of the text (default off) */
	unsigned folds;      /* k of the k-fold out-of-fold figure, 2..10 (5) */
	unsigned epochs;     /* training passes over the verdicts, 1..10 (2) */
	double alpha, beta;  /* FTRL per-coordinate learning rate (0.1, 1) */
	double l1, l2;       /* FTRL regularisation (0.5, 1) */
	uint64_t seed;       /* fold assignment and hashing (default 1) */
	size_t eval_max;     /* the fold models learn at most about this many
			      * verdicts, a random subset (default 200000; 0:
			      * all): the out-of-fold figure is as honest, and
			      * a million verdicts train 3x faster */
} learn_settings;

void learn_settings_default(learn_settings *s);
/* ASSAY_EINVAL with a message naming the setting when one is out of range. */
int learn_settings_check(const learn_settings *s, assay_error *err);

/* ---- Features ------------------------------------------------------------ */

/* One named field of a sample. "text" is the text under review; other
 * names are context or metadata fields ("instruction", "meta.model"). */
typedef struct learn_field {
	const char *name;
	const char *value;
	size_t len;
} learn_field;

/* One numeric input, e.g. another scorer's value in [0, 1]. */
typedef struct learn_number {
	const char *name;
	double value;
} learn_number;

typedef struct learn_example {
	const learn_field *fields;
	size_t n_fields;
	const learn_number *numbers;
	size_t n_numbers;
} learn_example;

/* A sparse feature vector with no index twice, in the order the features
 * were first extracted (so the same sample gives the same sums). When
 * names are kept, v[i].name is the offset in names of feature i's name
 * ("namespace\x1fterm", NUL-terminated). */
typedef struct learn_feat {
	uint32_t idx;
	float val;
	uint32_t name;
} learn_feat;

typedef struct learn_fvec {
	learn_feat *v;
	size_t n, cap;
	uint32_t *set; /* scratch for folding repeated indexes */
	size_t set_cap;
	bool keep_names;
	abuf names;
	abuf scratch;
	abuf low;         /* a field lower-cased */
	text_tokens tok;  /* its words */
} learn_fvec;

/* Fills fv with ex's features: a bias, word 1..ngrams-grams per field
 * (lower-cased, at most LEARN_MAX_TOKENS per field), a length bucket per
 * field, optional character n-grams of "text", and each number as a value
 * and a bucket. Deterministic for the settings. ASSAY_ENOMEM. */
#define LEARN_MAX_TOKENS 4096
int learn_extract(const learn_settings *s, const learn_example *ex, learn_fvec *fv);
void learn_fvec_free(learn_fvec *fv);
static inline const char *learn_fvec_name(const learn_fvec *fv, size_t i)
{
	return fv->keep_names ? fv->names.data + fv->v[i].name : "";
}

/* A feature name in plain words into buf: "instruction 'draw'", "text
 * length 64-127 words", "score repetition". */
void learn_feature_describe(const char *name, char *buf, size_t bufsz);

/* The fields of a stored sample: "text" (the text under review), then
 * every other string of its JSON record, top-level and one object deep
 * ("instruction", "input", "meta.model"), leaving out the text's own
 * field and the one holding the sample's id. Owns its strings; reuse one
 * across samples and free with learn_record_free. */
typedef struct learn_record {
	learn_field *fields;
	size_t *name_off;
	size_t n, cap;
	abuf names;
	size_t *value_off; /* where field i's value starts in values */
	abuf values;       /* the fields' values, NUL-terminated */
	abuf key, scratch; /* the record reader's */
} learn_record;

int learn_record_fields(const char *record, size_t len, const char *text_field,
			const char *ext_id, const char *text, learn_record *out);
void learn_record_free(learn_record *r);

/* ---- Fields left out ------------------------------------------------------ */

/* Fields that identify their record give every sample a feature of its
 * own (noise): `learn` surveys the first LEARN_SURVEY_RECORDS records it
 * learns from and leaves out every field named like an identifier (id,
 * uuid, hash, timestamp, ... as the last part of the name) and every field
 * that, in at least LEARN_SURVEY_MIN of them, is a single word 9 times in
 * 10 with 9 values in 10 distinct. The model keeps the names, so the
 * scorer leaves out the same. The text under review is never left out. */
#define LEARN_SURVEY_RECORDS 2000
#define LEARN_SURVEY_MIN 20
typedef struct learn_survey learn_survey;
learn_survey *learn_survey_new(void);
void learn_survey_free(learn_survey *sv);
int learn_survey_add(learn_survey *sv, const learn_record *r);
size_t learn_survey_records(const learn_survey *sv);
/* The names to leave out, sorted (caller frees with learn_names_free). */
int learn_survey_result(const learn_survey *sv, char ***names, size_t *n);
void learn_names_free(char **names, size_t n);
bool learn_id_like_name(const char *name);
/* Removes the fields with these names from r (never the text). */
void learn_record_drop(learn_record *r, char *const *names, size_t n);

/* ---- Training ------------------------------------------------------------ */

/* Training is streamed: the caller feeds every verdict once per pass, in
 * the same order each pass (learn_trainer_passes() passes: the training
 * epochs, then one pass that scores every verdict with the model of the
 * fold that never saw it). Verdict i belongs to fold hash(key, seed) % k.
 * During the first epoch each verdict is scored by the full model before
 * it learns that verdict (progressive validation). */
typedef struct learn_trainer learn_trainer;

learn_trainer *learn_trainer_new(const learn_settings *s, assay_error *err);
void learn_trainer_free(learn_trainer *t);
unsigned learn_trainer_passes(const learn_trainer *t);
/* How many verdicts the caller expects to feed (an estimate is fine): with
 * more than eval_max, the fold models take a random eval_max of them. */
void learn_trainer_expect(learn_trainer *t, size_t n);
/* Starts pass p (0-based, in order). */
int learn_trainer_pass(learn_trainer *t, unsigned p, assay_error *err);
/* One verdict: rejected or kept; reason (rejected only, may be NULL) feeds
 * the reason head. key identifies the sample (its fold). */
int learn_trainer_feed(learn_trainer *t, const learn_example *ex, uint64_t key, bool rejected,
		       const char *reason, assay_error *err);

/* Whether pass p (the current one) needs the verdict with this key: a
 * verdict it does not need is fed with ex NULL (nothing read for it). */
bool learn_trainer_wants(const learn_trainer *t, uint64_t key);
/* Whether the current pass (after the first) can run from the features
 * the first pass kept in memory (learn_trainer_replay, instead of feeding
 * every verdict again): they fit within the trainer's memory budget. */
bool learn_trainer_replayable(const learn_trainer *t);
int learn_trainer_replay(learn_trainer *t, assay_error *err);

/* The honest figures, valid after the last pass: for each verdict in feed
 * order, P(reject) out of fold and progressively validated; the labels;
 * the reason head's progressive top-1 accuracy over rejections with a
 * known reason (NaN when none). Arrays are the trainer's. */
typedef struct learn_eval {
	const float *oof;         /* P(reject) from the model that never saw it
				   * (only where evaluated[i]) */
	const uint8_t *evaluated; /* the fold models saw it: the evaluated subset */
	const float *progressive; /* P(reject) before the full model learned it */
	const uint8_t *rejected;
	size_t n;
	size_t n_rejected, n_kept;
	double reason_accuracy;
	size_t reason_n;
} learn_eval;
void learn_trainer_eval(learn_trainer *t, learn_eval *out);

/* ---- The model ----------------------------------------------------------- */

/* A trained model: the full model's weights, the reason head, and the
 * strongest signals with their names. */
typedef struct learn_signal {
	char *name;    /* "namespace\x1fterm" */
	float weight;  /* > 0 pushes toward reject */
	uint32_t seen; /* verdicts it occurred in */
} learn_signal;

typedef struct learn_model {
	learn_settings settings;
	float *w;            /* 2^bits weights */
	char **reasons;      /* the reason head's classes */
	size_t n_reasons;
	float **rw;          /* per reason, 2^reason_bits weights */
	unsigned reason_bits;
	learn_signal *signals; /* strongest first, both directions */
	size_t n_signals;
	char **left_out;     /* record fields the model never sees (sorted) */
	size_t n_left_out;
	size_t n_rejected, n_kept;
} learn_model;

/* The trained model (caller frees with learn_model_free). */
int learn_trainer_model(learn_trainer *t, learn_model **out, assay_error *err);
void learn_model_free(learn_model *m);
/* Gives the model the names of the fields it was trained without (copied). */
int learn_model_left_out(learn_model *m, char *const *names, size_t n, assay_error *err);

/* Bytes for storage: deterministic for the same model (same seed, same
 * verdicts: same bytes). Caller frees *out. */
int learn_model_save(const learn_model *m, void **out, size_t *len, assay_error *err);
/* ASSAY_EFORMAT when the bytes are not a model of this version. */
int learn_model_load(const void *data, size_t len, learn_model **out, assay_error *err);

/* A prediction with its reasons: P(reject), the likeliest reject reason
 * (NULL when the model has none) and, when why is not NULL, the features
 * that pushed most toward the verdict the model leans to, in words
 * ("instruction 'logo', text 'as an ai'"). */
typedef struct learn_prediction {
	double p_reject;
	const char *reason;
	double reason_p;
} learn_prediction;

int learn_predict(const learn_model *m, const learn_example *ex, learn_fvec *fv,
		  learn_prediction *out, abuf *why, assay_error *err);

/* The reason text a scorer shows: "learned: 84% likely rejected;
 * instruction 'logo', text 'as an ai'". */
int learn_reason_text(const learn_prediction *p, const char *why, abuf *out);

/* The learned scorer's detail into buf (size bytes): {"p_reject": P to
 * four places, "model": VERSION, "reason": the likely reject reason}, the
 * reason left out when the whole would not fit, "" when nothing fits; the
 * same bytes as cJSON_PrintUnformatted of that object. scratch is reused
 * between calls (the caller frees it). ASSAY_ENOMEM. */
int learn_detail_json(double p_reject, int64_t model, const char *reason, char *buf,
		      size_t size, abuf *scratch);

#endif
