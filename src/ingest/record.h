/* record.h — checking one record and extracting its text, id and hash. */
#ifndef ASSAY_INGEST_RECORD_H
#define ASSAY_INGEST_RECORD_H

#include "assay/ingest.h"

struct cJSON;

typedef struct rec_options {
	const char *text_field; /* NULL: the default lookup */
	const char *id_field;   /* NULL: "id", else the line number */
	const char *qualifier;  /* prefix for line-number ids, or NULL */
	abuf *scratch;          /* reused by the normalizer */
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
	uint64_t hash;
} rec_fields;

/* Parses and checks raw[0..len); on refusal returns ASSAY_EFORMAT with the
 * reason in why (no file or line: the caller adds those). */
int rec_parse(const char *raw, size_t len, const rec_options *o, int64_t line, rec_fields *f,
	      char *why, size_t whylen);
void rec_fields_free(rec_fields *f);

/* Checks that p[0..n) is exactly one JSON value (RFC 8259: no leading
 * zeros, no raw control characters in strings, only space, tab, CR and LF
 * as white space) nested at most max_depth deep. On failure *at is the byte
 * offset and *what says what was wrong; returns ASSAY_ECONFLICT for too
 * deep, ASSAY_EFORMAT otherwise. *nul_escape tells whether a \u0000
 * escape occurs. */
int rec_json_check(const char *p, size_t n, int max_depth, size_t *at, const char **what,
		   bool *nul_escape);

#endif
