/* survey.c — which fields of the records to leave out of the features:
 * an identifier (a field named like one, or one whose values are single
 * words that hardly ever repeat: ids, uuids, hashes, paths) gives every
 * sample a feature of its own, which the model can only learn as noise. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assay/learn.h"
#include "assay/text.h"

/* Fields tracked at most (the rest of a record's keys are not surveyed). */
#define SURVEY_FIELDS 256

typedef struct survey_field {
	char *name;
	size_t present, one_word, distinct;
	uint64_t *set; /* open addressing over the values' hashes (0: empty) */
	size_t set_cap;
} survey_field;

struct learn_survey {
	survey_field f[SURVEY_FIELDS];
	size_t n, records;
};

/* Names that say a field identifies its record (the last part of a nested
 * name: "meta.uuid" is a uuid). */
static const char *const id_names[] = {
	"id", "_id", "uuid", "guid", "sample_id", "record_id", "hash", "md5", "sha1",
	"sha256", "checksum", "timestamp", "created_at", "updated_at",
};

bool learn_id_like_name(const char *name)
{
	const char *dot = strrchr(name, '.');
	const char *last = dot ? dot + 1 : name;
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(id_names); i++)
		if (strcasecmp(last, id_names[i]) == 0)
			return true;
	return false;
}

learn_survey *learn_survey_new(void)
{
	return calloc(1, sizeof(learn_survey));
}

void learn_survey_free(learn_survey *sv)
{
	if (!sv)
		return;
	for (size_t i = 0; i < sv->n; i++) {
		free(sv->f[i].name);
		free(sv->f[i].set);
	}
	free(sv);
}

size_t learn_survey_records(const learn_survey *sv)
{
	return sv->records;
}

static survey_field *field_of(learn_survey *sv, const char *name)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->f[i].name, name) == 0)
			return &sv->f[i];
	if (sv->n == SURVEY_FIELDS)
		return NULL;
	survey_field *f = &sv->f[sv->n];
	*f = (survey_field){.name = assay_strdup(name)};
	if (!f->name)
		return NULL;
	sv->n++;
	return f;
}

/* Adds a value's hash to the field's set; counts it when new. */
static int remember(survey_field *f, uint64_t h)
{
	h |= 1; /* never 0, the empty slot */
	if (f->distinct * 2 >= f->set_cap) {
		size_t cap = f->set_cap ? f->set_cap * 2 : 64;
		uint64_t *set = calloc(cap, sizeof *set);
		if (!set)
			return ASSAY_ENOMEM;
		for (size_t i = 0; i < f->set_cap; i++)
			for (size_t j = f->set[i] & (cap - 1); f->set[i]; j = (j + 1) & (cap - 1))
				if (!set[j]) {
					set[j] = f->set[i];
					break;
				}
		free(f->set);
		f->set = set;
		f->set_cap = cap;
	}
	size_t j = h & (f->set_cap - 1);
	while (f->set[j] && f->set[j] != h)
		j = (j + 1) & (f->set_cap - 1);
	if (!f->set[j]) {
		f->set[j] = h;
		f->distinct++;
	}
	return ASSAY_OK;
}

static bool has_space(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
			return true;
	return false;
}

int learn_survey_add(learn_survey *sv, const learn_record *r)
{
	sv->records++;
	/* field 0 is the text under review: never left out */
	for (size_t i = 1; i < r->n; i++) {
		const learn_field *fd = &r->fields[i];
		survey_field *f = field_of(sv, fd->name);
		if (!f)
			continue;
		f->present++;
		f->one_word += !has_space(fd->value, fd->len);
		if (remember(f, text_hash64(fd->value, fd->len, 0)) < 0)
			return ASSAY_ENOMEM;
	}
	return ASSAY_OK;
}

/* Whether a field identifies its record: named like an id, or in at least
 * LEARN_SURVEY_MIN records single words 9 times in 10 and almost never the
 * same (9 in 10 values distinct). */
static bool left_out(const survey_field *f)
{
	if (learn_id_like_name(f->name))
		return true;
	return f->present >= LEARN_SURVEY_MIN && f->one_word * 10 >= f->present * 9 &&
	       f->distinct * 10 >= f->present * 9;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int learn_survey_result(const learn_survey *sv, char ***names, size_t *n)
{
	*names = NULL;
	*n = 0;
	char **v = calloc(sv->n + 1, sizeof *v);
	if (!v)
		return ASSAY_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < sv->n; i++)
		if (left_out(&sv->f[i]) && !(v[k++] = assay_strdup(sv->f[i].name))) {
			learn_names_free(v, k);
			return ASSAY_ENOMEM;
		}
	qsort(v, k, sizeof *v, by_name);
	*names = v;
	*n = k;
	return ASSAY_OK;
}

void learn_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

void learn_record_drop(learn_record *r, char *const *names, size_t n)
{
	if (!n)
		return;
	size_t o = 1;
	for (size_t i = 1; i < r->n; i++) {
		bool drop = false;
		for (size_t k = 0; k < n && !drop; k++)
			drop = strcmp(r->fields[i].name, names[k]) == 0;
		if (!drop) {
			r->fields[o] = r->fields[i];
			r->name_off[o++] = r->name_off[i];
		}
	}
	r->n = r->n ? o : 0;
}
