/* record.h — checking one record and extracting its text, id and hash. */
#ifndef ASSAY_INGEST_RECORD_H
#define ASSAY_INGEST_RECORD_H

#include "assay/ingest.h"

struct cJSON;

/* What the exact-duplicate key covers (--dedup-on). */
enum rec_dedup {
	REC_DEDUP_DEFAULT, /* context and text when there is a context, else the text */
	REC_DEDUP_TEXT,
	REC_DEDUP_NONE,    /* no record is a duplicate of another */
};

typedef struct rec_options {
	const char *text_field; /* NULL: the default lookup (or a conversation's turn) */
	char **context_fields;  /* --context: the fields a sample is judged against; NULL:
				   the default lookup */
	size_t n_context_fields;
	int turn;               /* --turn plus one: a conversation's turn under review;
				   0: the last assistant turn */
	int dedup;              /* enum rec_dedup */
	const char *id_field;   /* NULL: "id", else the line number */
	const char *qualifier;  /* prefix for line-number ids, or NULL */
	abuf *scratch;          /* reused by the normalizer */
	char *pair[2];          /* --pair A,B: the candidates' fields, or NULL: the default
				   pairs (chosen,rejected ...) when a record has no text field */
	char *pair_model[2];    /* --pair-model A,B, or NULL: A_model, model_SUFFIX */
} rec_options;

/* What a valid record yields; pointers are into json (free with
 * rec_fields_free). */
typedef struct rec_fields {
	struct cJSON *json;
	const char *text_field;
	const char *text;
	size_t text_len;
	const char *id;
	char id_buf[64];
	char *owned_text;       /* a conversation turn's text made of parts */
	char field_buf[96];     /* a conversation turn's path ("messages.3.content") */
	int turn;               /* the turn under review, -1 when not a conversation */
	char *context;          /* JSON array of {"name"|"role", "text"}, or NULL */
	size_t context_len;
	struct cJSON *context_arr;
	uint64_t hash;          /* the duplicate key */
	char *pair;             /* a pair's candidate b and the rest (store_new_sample.pair),
				   or NULL for a single sample */
	size_t pair_len;
	uint64_t pair_hash;     /* candidate b's normalized hash */
	int missing; /* refused for lacking the text or id field: RPT_NO_TEXT, RPT_NO_ID */
	bool context_looked; /* --context's fields were looked up in the record */
	bool context_named;  /* ... and one of them is there */
} rec_fields;

/* Parses and checks raw[0..len); on refusal returns ASSAY_EFORMAT with the
 * reason in why (no file or line: the caller adds those). */
int rec_parse(const char *raw, size_t len, const rec_options *o, int64_t line, rec_fields *f,
	      char *why, size_t whylen);
void rec_fields_free(rec_fields *f);

/* The conversation list of a record (messages or conversations) and its
 * shape, or NULL when the record is not a conversation. */
const struct cJSON *rec_chat_list(const struct cJSON *rec, int *shape);
/* Takes the turn under review out of a conversation: its text (owned),
 * its path as text field, its index. */
int rec_chat(const struct cJSON *rec, const rec_options *o, rec_fields *f, char *why,
	     size_t whylen);
/* Sets f->context from the conversation's earlier turns or the context
 * fields (NULL when there is none). */
int rec_context(const struct cJSON *rec, const rec_options *o, rec_fields *f);
/* Fills ro's context fields, turn and duplicate key from the import's
 * options (checking them); free with rec_options_free. */
int rec_options_context(rec_options *ro, const ingest_options *o, assay_error *err);
void rec_options_free(rec_options *ro);
/* Sets f->hash, the duplicate key, as o->dedup says. */
void rec_key(const char *raw, size_t len, const rec_options *o, int64_t line, rec_fields *f);

/* ---- pairs (pair.c) ---- */

/* Reads --pair and --pair-model into ro (free with rec_options_pair_free). */
int rec_options_pair(rec_options *ro, const ingest_options *o, assay_error *err);
void rec_options_pair_free(rec_options *ro);
/* Whether the record v is read as a pair, and from which fields. */
bool rec_pair_wanted(const struct cJSON *v, const rec_options *o, const char **a,
		     const char **b);
/* Takes the candidates out of fields a and b: candidate a as the text,
 * the rest as f->pair; a chat pair's context. */
int rec_pair(const struct cJSON *v, const rec_options *o, const char *a, const char *b,
	     rec_fields *f, char *why, size_t whylen);
/* Mixes candidate b into the duplicate key. */
void rec_pair_key(const rec_options *o, rec_fields *f);

/* What json_check found wrong, if anything. */
enum json_kind {
	JSON_OK,
	JSON_SYNTAX,   /* not RFC 8259 JSON (what says how) */
	JSON_UTF8,     /* invalid UTF-8 */
	JSON_NULBYTE,  /* a raw NUL byte */
	JSON_NUL,      /* a \u0000 escape */
	JSON_DEPTH,    /* nested deeper than allowed */
	JSON_DUPKEY,   /* a key twice in one object (key says which) */
	JSON_TRAILING, /* data after the value */
	JSON_NOMEM,
};

typedef struct json_fault {
	int kind;         /* enum json_kind */
	size_t at;        /* byte offset where it is wrong */
	const char *what; /* static text */
	int depth;        /* JSON_DEPTH: the limit */
	char key[72];     /* JSON_DUPKEY: the key (cut at a character boundary) */
} json_fault;

/* Checks that p[0..n) is exactly one JSON value (RFC 8259: no leading
 * zeros, no raw control characters in strings, only space, tab, CR and LF
 * as white space), strict UTF-8, nested at most max_depth deep (and never
 * deeper than INGEST_MAX_DEPTH), with no NUL in any string or key and no
 * key twice in one object. Returns ASSAY_OK, ASSAY_EFORMAT (f says what
 * and where) or ASSAY_ENOMEM. */
int json_check(const char *p, size_t n, int max_depth, json_fault *f);
/* The hash json_check gives each decoded key before sorting them. */
typedef uint64_t (*json_key_hash)(const void *p, size_t n);
/* json_check with the key hash given (a test makes every key collide to
 * see the duplicate check stay O(k log k) and exact). */
int json_check_hashed(const char *p, size_t n, int max_depth, json_key_hash hash,
		      json_fault *f);
/* The message for a fault of json_check on p: what, and where. */
void json_describe(const char *p, const json_fault *f, char *why, size_t whylen);

#endif
