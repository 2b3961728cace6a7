/* ingest.h — importing generated data sets (JSONL, JSON arrays, CSV) from a
 * file, stdin or an http(s) URL into the store, streaming, with exact
 * duplicate detection, per-line error reports and resumable batches. */
#ifndef ASSAY_INGEST_H
#define ASSAY_INGEST_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "assay/common.h"
#include "assay/limits.h"
#include "assay/store.h"

#define INGEST_DEFAULT_MAX_LINE ASSAY_RECORD_MAX
/* Deepest JSON nesting accepted in a record. */
#define INGEST_MAX_DEPTH ASSAY_JSON_DEPTH

/* Where an import stands; passed to the progress callback. */
typedef struct ingest_progress {
	const char *source;
	int64_t bytes;       /* bytes read so far */
	int64_t total_bytes; /* size of the source, or -1 when unknown */
	int64_t read, imported, duplicate, rejected, present;
} ingest_progress;

typedef struct ingest_options {
	const char *format;      /* "jsonl", "json", "csv", or NULL: by extension */
	const char *text_field;  /* NULL: first of text, caption, output, response, completion */
	const char *id_field;    /* NULL: "id" when present, else the line number */
	const char *batch;       /* NULL: the batch that last imported this source, else
				    "NAME@TIME" */
	const char *meta_fields; /* comma-separated field paths, or NULL for all but the text */
	const char *context_fields; /* comma-separated fields a sample is judged against; NULL:
				       the first present of instruction (with input), prompt,
				       question, query, user_query, system */
	int turn;                /* with turn_set: the index of a conversation's turn under
				    review; else its last assistant turn */
	bool turn_set;
	const char *kind;        /* "caption", "response", "text", or NULL: by the field's name */
	const char *dedup_on;    /* "text", "context+text", "none", or NULL: context and text
				    when a sample has a context, else the text */
	/* Where the samples' pictures are, kept on the batch (a re-import that
	 * gives one changes it): --media fields (comma-separated; NULL: the
	 * default names), --media-root (an absolute directory; NULL: the source
	 * file's) and the --media-map rules "PREFIX=URL_PREFIX". */
	const char *media_fields;
	const char *media_root;
	const char *const *media_maps;
	size_t n_media_maps;
	const char *pair_fields; /* --pair "A,B": each record is a pair of candidates (a, b);
				    NULL: a record with no text field but chosen/rejected,
				    response_a/_b, output_1/_2 or completion_a/_b is one */
	const char *pair_model_fields; /* --pair-model "A,B": the candidates' generator models */
	size_t max_line;         /* 0: INGEST_DEFAULT_MAX_LINE */
	bool strict;             /* one bad record aborts and rolls back the whole source */
	bool qualify_line_ids;   /* line-number ids become "SOURCE:LINE" (several sources) */
	int commit_every;        /* records per transaction; 0: 4096 */
	/* Called with what to show of the rejected records (e.g. to print
	 * FILE:LINE: reason): the first five of each kind (alike but for figures
	 * and quoted values), then a count of the rest; when every record fails
	 * the same way, one example and one summary (with the fields found when
	 * the text or id field is missing). source is NULL when reason is
	 * already a whole message. The rejects table keeps every one (except
	 * with a batch the import made that only refusals went into: it is
	 * not kept, see ingest_result.dropped). */
	void (*report)(void *ud, const char *source, int64_t line, const char *reason);
	/* Called now and then with the running counts. */
	void (*progress)(void *ud, const ingest_progress *p);
	void *ud;
	/* Set by a signal handler: the import commits what it has and stops. */
	volatile sig_atomic_t *stop;
	/* Network options for URL sources (timeouts, TLS); NULL for defaults. */
	const struct net_options *net;
} ingest_options;

typedef struct ingest_result {
	int64_t batch_id;
	char batch[256];
	bool resumed;        /* continued a batch that already existed */
	bool dropped;        /* made by this import but not kept: every record was
				refused (a corrected re-run starts afresh) */
	int64_t read;        /* records read (blank lines not counted) */
	int64_t imported;    /* new samples */
	int64_t duplicate;   /* exact duplicates of existing samples, dropped */
	int64_t rejected;    /* bad records, skipped (and reported) */
	int64_t present;     /* already in the batch from an earlier run */
} ingest_result;

/* Imports one source ("-" is stdin, http:// and https:// are URLs, anything
 * else a file). Returns ASSAY_OK when nothing was rejected, ASSAY_EPARTIAL
 * when some records were (the rest are imported), ASSAY_EINTR when *stop was
 * raised (what was read is committed), or an error: then, with strict,
 * nothing of this source is in the database. */
int ingest_import(store *s, const char *source, const ingest_options *opt, ingest_result *res,
		  assay_error *err);

/* Whether a file source can be read (exists, is no directory, opens):
 * ASSAY_ENOTFOUND or ASSAY_EIO with the message its import would give.
 * Standard input, URLs and FIFOs pass (they cannot be checked ahead). */
int ingest_source_check(const char *source, assay_error *err);

/* Looks up a dotted field path ("meta.caption") in a cJSON object: an exact
 * key wins over a nested path. Returns the item or NULL. */
struct cJSON;
const struct cJSON *ingest_field(const struct cJSON *obj, const char *path);

/* The one strict JSON reader, for every JSON input assay takes (imported
 * records, decide --from lines, the answers of remote endpoints): exactly
 * RFC 8259 in strict UTF-8, nested at most INGEST_MAX_DEPTH deep, no key
 * twice in one object, no NUL (raw or \u0000) in any string or key, so
 * each string of the tree is whole (strlen is its true length). On refusal
 * returns ASSAY_EFORMAT with why saying what is wrong and where ("... at
 * byte N", with the line and column when the text has several lines), or
 * ASSAY_ENOMEM. With out NULL it only checks; else *out is the tree (free
 * with cJSON_Delete). */
int ingest_json_parse(const char *p, size_t n, struct cJSON **out, char *why, size_t whylen);

/* One line of `decide --from`, read with the strict reader: an object whose
 * id (a string or an exact integer), verdict, prefer, reason, text,
 * annotator and batch are strings (or null or absent) within their limits (limits.h:
 * a note's text ASSAY_NOTE_MAX, an edit's ASSAY_EDIT_MAX) and adjudicate a
 * boolean. The strings point into json; free with ingest_decision_free. */
typedef struct ingest_decision {
	struct cJSON *json;
	const char *id, *verdict, *reason, *text, *annotator, *batch; /* NULL: not given */
	const char *prefer; /* on a pair: "a", "b", "tie" or "both-bad" */
	bool adjudicate;
	char id_buf[32]; /* a numeric id as text */
} ingest_decision;

/* Returns ASSAY_OK, ASSAY_EFORMAT with why (what is wrong, no file or
 * line) or ASSAY_ENOMEM. */
int ingest_decision_parse(const char *line, size_t len, ingest_decision *d, char *why,
			  size_t whylen);
void ingest_decision_free(ingest_decision *d);

/* The --media-map rules as stored on a batch: a JSON array of strings
 * ("" for none). Allocated; NULL when out of memory. */
char *ingest_media_maps_json(const char *const *maps, size_t n);

/* import --group-by: the single samples already imported whose records
 * share a value of field (one prompt's generations) paired up. */
typedef struct ingest_group_options {
	const char *field;      /* the group field (a dotted path) */
	const char *from_batch; /* the batch whose samples are paired; NULL: every batch */
	const char *into_batch; /* where the pairs go (its samples are left out) */
	int64_t per_group;      /* at most this many pairs per group; 0: every pair */
	uint64_t seed;          /* which pairs a budget keeps */
} ingest_group_options;

typedef struct ingest_group_result {
	int64_t samples; /* single samples with the field */
	int64_t groups;  /* groups of two or more */
	int64_t alone;   /* samples alone in their group */
	int64_t pairs;   /* pairs written */
	int64_t present; /* pairs the batch has already, not written */
} ingest_group_result;

/* Most samples one group may hold, and most pairs one group may give. */
#define INGEST_GROUP_MAX 65536
#define INGEST_GROUP_PAIRS_MAX 1000000

/* Writes one JSON line per pair to out: {"id": "A~B", FIELD: the group's
 * value, the named context fields of candidate a's sample, "response_a",
 * "response_b", "model_a" and "model_b" (when known), "a_id", "b_id"},
 * which ingest_import reads as pairs (a is the sample imported first); a
 * pair whose id the batch into_batch has already is left out. With
 * a budget the pairs kept are those with the smallest hash of the seed and
 * both ids: the same for the same seed, and mostly the same when a group
 * grows. A group larger than the limits above is refused. */
int ingest_group_write(store *s, const ingest_group_options *g, FILE *out,
		       ingest_group_result *res, assay_error *err);

/* The format implied by a source's name: "csv", "json" or "jsonl". */
const char *ingest_format_for(const char *source);

#endif
