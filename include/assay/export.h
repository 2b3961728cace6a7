/* export.h — writing the approved set: verdict resolution across annotators,
 * corrections spliced into the original records, provenance, deterministic
 * splits, JSONL/JSON/CSV, atomic files, stdout or an HTTP upload. */
#ifndef ASSAY_EXPORT_H
#define ASSAY_EXPORT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assay/common.h"
#include "assay/store.h"

/* ---- Resolution --------------------------------------------------------- */

/* How several annotators' verdicts on one sample become one. A lead's
 * adjudication always wins where it exists. */
enum export_rule {
	EXPORT_UNANIMOUS, /* every verdict keeps (or every verdict rejects); else a conflict */
	EXPORT_MAJORITY,  /* more keeps than rejects keeps; a tie rejects */
	EXPORT_ANY_REJECT,/* one reject rejects */
	EXPORT_LEAD,      /* only a lead's adjudication or a single verdict counts */
};

/* The outcome for one sample. */
enum export_verdict {
	EXPORT_UNDECIDED = 0,
	EXPORT_ACCEPTED,
	EXPORT_EDITED,
	EXPORT_REJECTED,
	EXPORT_CONFLICT,
	EXPORT_N_VERDICTS,
};

typedef struct export_resolution {
	int verdict;          /* enum export_verdict */
	const char *text;     /* the correction when EDITED (the latest keeping edit) */
	const char *field;    /* its field (store_verdict.field): NULL, the text field */
	bool field_chat;
	const char *original; /* with field: the text the correction replaces */
	bool adjudicated;
} export_resolution;

int export_rule_parse(const char *name, int *rule);
const char *export_rule_name(int rule);
const char *export_verdict_name(int verdict);
void export_resolve(const store_export_row *row, int rule, export_resolution *out);

/* ---- JSON splicing ------------------------------------------------------ */

/* Finds the value of a dotted field path in a JSON object text (an exact
 * key wins over a nested path, as at import; inside an array a component
 * is the element's index: messages.3.content); sets [*start, *end). Returns
 * ASSAY_OK or ASSAY_ENOTFOUND / ASSAY_EFORMAT. */
int export_json_find(const char *json, size_t len, const char *path, size_t *start,
		     size_t *end);
/* Appends s as a JSON string literal (RFC 8259 escaping; UTF-8 kept). */
int export_json_string(abuf *out, const char *s, size_t len);
/* Appends record with the value at text_field replaced by new_text (when
 * not NULL) and `"_assay": provenance` added as the last key (when not
 * NULL); every other byte is copied unchanged. */
int export_rewrite(const char *record, size_t len, const char *text_field, const char *new_text,
		   const char *provenance, abuf *out, assay_error *err);

/* Calls fn with each member of the JSON object text json[0..len): its key
 * as the literal it is (quotes included) and its value's bytes, in order;
 * a non-zero return stops the walk and is returned. ASSAY_EFORMAT when it
 * is not an object. */
typedef int (*export_member_fn)(void *ud, const char *key, size_t klen, const char *value,
				size_t vlen);
int export_json_members(const char *json, size_t len, export_member_fn fn, void *ud);
/* Whether the key literal lit[0..n) (quotes included) decodes to want. */
bool export_json_key_is(const char *lit, size_t n, const char *want);

/* ---- Splits ------------------------------------------------------------- */

typedef struct export_split {
	char name[32];
	double share;
} export_split;

/* Parses "train=0.9,val=0.1" (shares must be > 0 and add up to 1 within
 * 1e-6; names are letters, digits, - and _). */
int export_split_parse(const char *spec, export_split *out, size_t cap, size_t *n,
		       assay_error *err);
/* Which split a sample id falls in: a hash of (id, seed) mapped to [0,1). */
size_t export_split_pick(const export_split *splits, size_t n, const char *id, uint64_t seed);

/* ---- Output files --------------------------------------------------------- */

/* Where an export goes. "-" is standard output; a FIFO, a character device
 * or a UNIX socket is written directly as a stream; a regular file (or a
 * new name) is written atomically: an unnamed or hidden temporary file in
 * the target's directory, fsync, rename, fsync of the directory, keeping
 * the replaced file's mode and owner and writing through a symbolic link.
 * Nothing appears at a file destination unless the commit succeeds. The
 * database (opt->db) and its side files are refused (ASSAY_EINVAL), by
 * device and inode and by name, whatever links lead there. */
typedef struct export_out export_out;

typedef struct export_out_options {
	const store *db;             /* never written: the database and its side files */
	volatile sig_atomic_t *stop; /* set by a signal: a blocked open or write gives up */
	bool *reader_gone;           /* set when a stream's reader has gone (EPIPE) */
} export_out_options;

int export_out_open(const char *path, const export_out_options *opt, export_out **out,
		    assay_error *err);
int export_out_write(export_out *o, const void *data, size_t len, assay_error *err);
int export_out_commit(export_out *o, assay_error *err); /* frees o */
/* Commits n outputs as one set: every file complete and synced before any
 * is named, then all renamed into place with SIGINT, SIGTERM, SIGHUP and
 * SIGQUIT held; a failure before the renames leaves none of them. Frees
 * every v[i] and sets it to NULL. */
int export_out_commit_set(export_out **v, size_t n, assay_error *err);
void export_out_abort(export_out *o); /* frees o, removes the temp file */

/* ---- The export ----------------------------------------------------------- */

/* EXPORT_DPO: one {"prompt", "chosen", "rejected"} line per pair with a
 * preference (export_dpo_each in dpo.c). */
enum export_format { EXPORT_JSONL, EXPORT_JSON, EXPORT_CSV, EXPORT_DPO };

typedef struct export_options {
	const char *output;        /* file path or "-" */
	const char *url;           /* --to URL instead of output */
	const char *method;        /* "PUT" (default) or "POST" for --to */
	const char *token;         /* bearer token for --to, or NULL */
	int format;                /* enum export_format */
	unsigned statuses;         /* bit (1 << enum export_verdict) per status exported */
	int rule;                  /* enum export_rule */
	store_export_filter filter;
	const char **fields;       /* --fields, or NULL for whole records */
	size_t n_fields;
	bool provenance;
	bool csv_raw;              /* --csv-raw: CSV cells as their exact bytes */
	unsigned pair_extra;       /* dpo: bit (1 << STORE_PREF_TIE / BOTH_BAD) also exported,
				      as {"prompt", "a", "b", "preference"} */
	export_split splits[16];
	size_t n_splits;
	uint64_t seed;
	const struct net_options *net;
	volatile sig_atomic_t *stop;
	void (*progress)(void *ud, int64_t done, int64_t total);
	void *ud;
} export_options;

typedef struct export_summary {
	int64_t seen;                          /* samples looked at */
	int64_t by_verdict[EXPORT_N_VERDICTS]; /* exported samples per verdict */
	int64_t exported;
	int64_t per_split[16];
	char paths[16][4096];                  /* files written */
	size_t n_paths;
	long http_status;
	/* dpo: pairs exported per preference (enum store_pref), how many of
	 * them reverse the record's claimed chosen, and pairs left out (ties
	 * and both-bad without --with: left_pref) */
	int64_t by_pref[STORE_PREF_BOTH_BAD + 1];
	int64_t left_pref[STORE_PREF_BOTH_BAD + 1];
	int64_t flipped, pair_conflict, pair_undecided;
	/* the export failed because the reader of a stream (a pipe: `| head`)
	 * went away; nothing is left at a file destination */
	bool reader_gone;
} export_summary;

int export_run(store *s, const export_options *o, export_summary *sum, assay_error *err);

#endif
