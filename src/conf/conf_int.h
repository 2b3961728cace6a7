/* conf_int.h — what the files of src/conf/ share: the entry table with its
 * hash index, the value grammar and message helpers. Not a public header. */
#ifndef ASSAY_CONF_INT_H
#define ASSAY_CONF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assay/common.h"
#include "assay/conf.h"

struct conf_entry {
	char *key;
	char *value;   /* the scalar: a single quoted item unquoted, else raw */
	char *raw;     /* the value as written, for lists; NULL when literal */
	size_t origin; /* index into conf.origins */
	int line;      /* 0 for conf_set */
};

struct conf {
	struct conf_entry *e;
	size_t n, cap;
	uint32_t *slots; /* open addressing: entry index + 1, 0 when empty */
	size_t nslots;	 /* a power of two, at least twice n */
	char **origins;
	size_t norigins;
};

/* The index of key's entry, or -1. */
long conf_find(const conf *c, const char *key);
/* Appends a new entry taking ownership of key, value and raw (all freed on
 * failure). The key must not be present. */
int conf_append(conf *c, char *key, char *value, char *raw, size_t origin, int line);
/* Adds an origin name; returns its index through *idx. */
int conf_add_origin(conf *c, const char *name, size_t *idx);

/* Parses text into the empty conf tmp (origin 0 is name). */
int conf_parse(conf *tmp, const char *name, const char *text, size_t n, assay_error *err);
/* Validates a trimmed value against the list grammar and makes its scalar
 * (*scalar) and raw copy (*raw), both allocated. On a grammar error fills
 * why and returns ASSAY_EFORMAT. */
int conf_value_parse(const char *s, size_t n, char **scalar, char **raw, char *why, size_t whylen);
/* Splits a raw value (validated) or, when literal, a plain comma list. */
int conf_list_split(const char *s, bool literal, char ***items, size_t *n);

/* Writes s[0..n) for a message: at most about 40 bytes, control, C1 and
 * bidi characters and '"' '\\' escaped, "..." when cut. */
void conf_excerpt(char *out, size_t outlen, const char *s, size_t n);
/* True when s is a key: names of [A-Za-z0-9_-]+ joined by single dots. */
bool conf_key_valid(const char *s, size_t n);

#endif
