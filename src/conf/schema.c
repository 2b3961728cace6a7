/* schema.c — the sections and keys of assay's configuration file (not a
 * theme's): what each reader takes, so that a misspelt section or key is
 * refused where it was written instead of being ignored. A key a reader
 * learns is a row here too (tests/e2e/test_config_keys.py finds every key
 * the sources read and checks it is one). */
#include <stdio.h>
#include <string.h>

#include "conf_int.h"

typedef struct conf_section {
	const char *name;        /* "" for the keys outside a section */
	bool named;              /* [name.NAME]: NAME is the user's */
	const char *const *keys; /* NULL-ended; NULL: its reader checks them */
} conf_section;

static const char *const top_keys[] = {"theme", "reasons", NULL};
static const char *const review_keys[] = {"measure", "retrain_every", NULL};
static const char *const media_keys[] = {"timeout_ms", "fetch",  "fetch_timeout_ms",
					 "fetch_max_mb", "prefetch", "colors",
					 "protocol",   NULL};
static const char *const slice_keys[] = {"where", NULL};

static const conf_section sections[] = {
	{"", false, top_keys},
	{"review", false, review_keys},
	{"media", false, media_keys},
	{"slice", true, slice_keys},
	/* the scorers' keys and weights: score_config_from_conf checks them */
	{"score", true, NULL},
	{"weights", false, NULL},
};

/* The row of section sec (n bytes: "media", "slice.x"), or NULL. */
static const conf_section *section_find(const char *sec, size_t n)
{
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(sections); i++) {
		const conf_section *s = &sections[i];
		size_t len = strlen(s->name);
		if (!s->named && n == len && memcmp(sec, s->name, n) == 0)
			return s;
		/* a name of its own after the dot: [slice.x], [score.llm-judge] */
		if (s->named && n > len + 1 && memcmp(sec, s->name, len) == 0 && sec[len] == '.')
			return s;
	}
	return NULL;
}

static void list_keys(abuf *b, const char *const *keys)
{
	for (size_t i = 0; keys[i]; i++)
		abuf_printf(b, "%s%s", i ? ", " : "", keys[i]);
}

/* "[review], [media], [slice.NAME], ..." */
static void list_sections(abuf *b)
{
	for (size_t i = 1; i < ASSAY_ARRAY_LEN(sections); i++)
		abuf_printf(b, "%s[%s%s]", i > 1 ? ", " : "", sections[i].name,
			    sections[i].named ? ".NAME" : "");
}

/* Fails on key (in section s, NULL when none such: sec_len bytes of key
 * name it), set at its origin (a file and its line, or a command line's
 * option: line 0), with the names known instead. */
static int refuse(const conf *c, const char *key, size_t sec_len, const conf_section *s,
		  assay_error *err)
{
	int line = 0;
	const char *origin = conf_origin(c, key, &line);
	abuf b = {0};
	if (line > 0)
		abuf_printf(&b, "%s:%d: ", origin, line);
	else
		abuf_printf(&b, "%s: ", origin ? origin : "?");
	if (sec_len == 0) {
		abuf_printf(&b, "unknown key \"%.80s\" (known outside a section: ", key);
		list_keys(&b, top_keys);
		abuf_puts(&b, "; sections: ");
		list_sections(&b);
	} else if (!s) {
		abuf_printf(&b, "[%.*s]: no such section (known: ", (int)ASSAY_MIN(sec_len, 80), key);
		list_sections(&b);
		abuf_puts(&b, "; outside a section: ");
		list_keys(&b, top_keys);
	} else {
		abuf_printf(&b, "[%.*s]: unknown key \"%.80s\" (known: ", (int)ASSAY_MIN(sec_len, 80),
			    key, key + sec_len + 1);
		list_keys(&b, s->keys);
	}
	abuf_putc(&b, ')');
	int rc = b.data ? assay_fail(err, ASSAY_EINVAL, "%s", b.data)
			: assay_fail(err, ASSAY_ENOMEM, "out of memory");
	abuf_free(&b);
	return rc;
}

int conf_check_config(const conf *c, assay_error *err)
{
	size_t pos = 0;
	const char *key, *value;
	while (conf_next(c, "", &pos, &key, &value)) {
		const char *dot = strrchr(key, '.');
		size_t sec_len = dot ? (size_t)(dot - key) : 0;
		const char *name = dot ? dot + 1 : key;
		const conf_section *s = section_find(key, sec_len);
		bool known = s && !s->keys;
		for (size_t i = 0; s && s->keys && s->keys[i] && !known; i++)
			known = strcmp(s->keys[i], name) == 0;
		if (!known)
			return refuse(c, key, sec_len, s, err);
	}
	return ASSAY_OK;
}
