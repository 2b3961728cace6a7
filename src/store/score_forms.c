/* score_forms.c — the reasons and details of scores stored compactly. A
 * text is split into its form (the text with each decimal number in it
 * replaced by the byte 0x01) and its numbers; the form is stored once, in
 * table score_forms, and a sample's notes record (score_pack.c) holds the
 * form's id and the numbers. "length: 52 words, 263 characters" and
 * "length: 43 words, 244 characters" share one form; a built-in scorer's
 * reasons take a few bytes a sample instead of a few hundred.
 *
 * A sample's compact entries are one record of its notes blob: the byte
 * 0xC0, the mask of the slots it holds (LEB128), then for each of them in
 * slot order the reason and the detail, each as its form's id and each of
 * the form's numbers, every one as LEB128 of the value plus one (so no
 * byte is 0; form id 0 is the empty text), then two NUL bytes: a reader of
 * the plain records of score_pack.c passes over it as a record of slot 64
 * with an empty detail. The forms are cached per connection, shared by
 * the writer and the SQL functions note_at and note_merge, and
 * forgotten with the scorer slots at a rollback (score_slots_forget). */
#include "store_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTES_COMPACT 0xC0
/* Beyond this many forms a text that needs a new one is stored as it is
 * (free-text reasons, as a remote scorer's, rarely repeat). */
#define FORMS_MAX 16384

struct score_forms {
	char **text; /* by id; text[0] unused */
	size_t n;    /* ids below n are loaded */
	size_t cap;
	uint32_t *map; /* the ids by their form's hash (open addressing; 0: empty) */
	size_t mcap, used;
	score_forms **owner; /* the store's pointer to it, emptied when it is freed */
};

/* The slot of form (of hash h) in the map: its id's, or the empty one it
 * would take. */
static size_t map_find_h(const score_forms *f, const char *form, uint64_t h)
{
	size_t i = (size_t)h & (f->mcap - 1);
	while (f->map[i] && strcmp(f->text[f->map[i]], form) != 0)
		i = (i + 1) & (f->mcap - 1);
	return i;
}

static size_t map_find(const score_forms *f, const char *form)
{
	return map_find_h(f, form, score_form_hash(form, strlen(form)));
}

static int map_add(score_forms *f, uint32_t id)
{
	if ((f->used + 1) * 2 > f->mcap) {
		size_t cap = f->mcap ? f->mcap * 2 : 64;
		uint32_t *old = f->map;
		size_t ocap = f->mcap;
		if (!(f->map = calloc(cap, sizeof *f->map))) {
			f->map = old;
			return -1;
		}
		f->mcap = cap;
		for (size_t i = 0; i < ocap; i++)
			if (old[i])
				f->map[map_find(f, f->text[old[i]])] = old[i];
		free(old);
	}
	size_t at = map_find(f, f->text[id]);
	if (!f->map[at]) {
		f->map[at] = id;
		f->used++;
	}
	return 0;
}

void score_forms_clear(score_forms *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->text[i]);
	free(f->text);
	free(f->map);
	score_forms **owner = f->owner;
	*f = (score_forms){.owner = owner};
}

/* At the connection's close (which store_close does before it forgets
 * the slots). */
void score_forms_destroy(void *p)
{
	score_forms *f = p;
	if (f && f->owner)
		*f->owner = NULL;
	score_forms_clear(f);
	free(f);
}

static const char sql_load[] = "SELECT id, form FROM score_forms WHERE id >= ?1 ORDER BY id";
static const char sql_add[] = "INSERT INTO score_forms (form) VALUES (?1)";

static int forms_put(score_forms *f, int64_t id, const char *text)
{
	if (id <= 0 || id > FORMS_MAX * 4)
		return 0; /* not one this build makes: left unknown */
	if ((size_t)id >= f->cap) {
		size_t cap = f->cap ? f->cap : 64;
		while (cap <= (size_t)id)
			cap *= 2;
		char **t = realloc(f->text, cap * sizeof *t);
		if (!t)
			return -1;
		memset(t + f->cap, 0, (cap - f->cap) * sizeof *t);
		f->text = t;
		f->cap = cap;
	}
	if (f->text[id])
		return 0; /* an id's form never changes */
	if (!(f->text[id] = assay_strdup(text ? text : "")))
		return -1;
	if ((size_t)id >= f->n)
		f->n = (size_t)id + 1;
	return map_add(f, (uint32_t)id);
}

/* Reads into f the forms of st (sql_load, bound and reset by the caller). */
static int forms_read(score_forms *f, sqlite3_stmt *st)
{
	int rc;
	sqlite3_bind_int64(st, 1, f->n ? (int64_t)f->n : 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (forms_put(f, sqlite3_column_int64(st, 0),
			      (const char *)sqlite3_column_text(st, 1)) < 0)
			return SQLITE_NOMEM;
	return rc;
}

/* Reads the forms not yet loaded (SQLITE_DONE, or the error). */
int score_forms_load(score_forms *f, sqlite3 *db)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql_load, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = forms_read(f, st);
	sqlite3_finalize(st);
	return rc;
}

/* score_forms_load for the writer, through the store's cached statement:
 * a scorer whose reasons name a word of the text asks for a new form
 * every few samples (thousands of them in a large import), and each ask
 * prepared the statement anew. */
static int forms_load_cached(store *s)
{
	assay_error ignored = {0};
	sqlite3_stmt *st = store_stmt(s, sql_load, &ignored);
	if (!st)
		return SQLITE_ERROR;
	int rc = forms_read(s->forms, st);
	sqlite3_reset(st);
	return rc;
}

const char *score_forms_text(score_forms *f, sqlite3 *db, uint64_t id)
{
	if (id == 0)
		return "";
	if ((id >= f->n || !f->text[id]) && score_forms_load(f, db) != SQLITE_DONE)
		return NULL;
	return id < f->n ? f->text[id] : NULL;
}

/* ---- a text as form and numbers (score_forms_split.c) -------------------------- */

static bool get_leb(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	uint64_t x = 0;
	for (int shift = 0; *p < end && shift < 64; shift += 7) {
		unsigned char c = *(*p)++;
		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			if (x == 0)
				return false;
			*v = x - 1;
			return true;
		}
	}
	return false;
}

/* The id of a form, made when new; 0 when it cannot be had (too many
 * forms, no table): the caller stores the text as it is; -1 when making
 * it failed and took the caller's transaction with it (a full disk, an
 * I/O error): nothing more may be written in it. */
static int64_t form_id(store *s, const char *form, uint64_t hash)
{
	score_forms *f = s->forms;
	for (int pass = 0; pass < 2; pass++) {
		size_t at = f->mcap ? map_find_h(f, form, hash) : 0;
		if (f->mcap && f->map[at])
			return f->map[at];
		if (f->n > FORMS_MAX)
			return 0;
		if (pass == 0 && forms_load_cached(s) != SQLITE_DONE)
			return 0;
	}
	assay_error ignored = {0};
	sqlite3_stmt *st = store_stmt(s, sql_add, &ignored);
	if (!st)
		return 0;
	store_bind_text(st, 1, form, -1);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sqlite3_get_autocommit(s->db) ? -1 : 0;
	int64_t id = sqlite3_last_insert_rowid(s->db);
	s->slots_made = true; /* a rollback takes the form away again */
	return forms_put(f, id, form) == 0 ? id : 0;
}

/* 1: the text put as its form and numbers; 0: it is to be stored as it
 * is; -1: the transaction is gone (form_id). */
static int part_put(store *s, abuf *out, const char *text)
{
	if (!text || !*text)
		return score_leb_put(out, 0) == 0;
	score_form_split sp;
	int64_t id = score_form_split_text(text, &sp)
			 ? form_id(s, sp.form, score_form_hash(sp.form, sp.len))
			 : 0;
	if (id < 0)
		return -1;
	if (id == 0 || score_leb_put(out, (uint64_t)id) < 0)
		return 0;
	for (size_t i = 0; i < sp.n; i++)
		if (score_leb_put(out, sp.num[i]) < 0)
			return 0;
	return 1;
}

/* part_put for a text split ahead (store_note_split), *p at its part and
 * moved past it. */
static int part_put_split(store *s, abuf *out, const unsigned char **p)
{
	const unsigned char *q = *p;
	if (*q == SCORE_SPLIT_EMPTY) {
		*p = q + 1;
		return score_leb_put(out, 0) == 0;
	}
	if (*q != SCORE_SPLIT_FORM)
		return 0;
	uint64_t h;
	memcpy(&h, q + 1, sizeof h);
	const char *form = (const char *)q + 1 + sizeof h;
	const unsigned char *nums = (const unsigned char *)form + strlen(form) + 1;
	size_t n = *nums++;
	*p = nums + n;
	int64_t id = form_id(s, form, h);
	if (id < 0)
		return -1;
	/* the id and the numbers in one append (the writer does this for
	 * every note of every sample) */
	unsigned char b[10 + 255];
	size_t k = score_leb_encode(b, (uint64_t)id);
	memcpy(b + k, nums, n);
	if (id == 0 || abuf_append(out, b, k + n) < 0)
		return 0;
	return 1;
}

void score_notes_buf_free(score_notes_buf *b)
{
	abuf_free(&b->plain);
	abuf_free(&b->parts);
	b->mask = 0;
}

/* Takes slot's entry (n bytes at p) into b, in place of any it had. */
static int entry_put(score_notes_buf *b, int slot, const void *p, size_t n)
{
	b->at[slot] = (uint32_t)b->parts.len;
	b->len[slot] = (uint32_t)n;
	b->mask |= 1ull << slot;
	return abuf_append(&b->parts, p, n) < 0 ? ASSAY_ENOMEM : 0;
}

int score_forms_note(store *s, score_notes_buf *b, int slot, const char *reason,
		     const char *detail, bool plain, const void *split)
{
	if ((!reason || !*reason) && (!detail || !*detail))
		return 0;
	if (!plain && !s->readonly && slot < 64 && score_forms_attach(s) == 0) {
		size_t mark = b->parts.len;
		const unsigned char *sp = split;
		int r = sp ? part_put_split(s, &b->parts, &sp) : part_put(s, &b->parts, reason);
		int d = r <= 0 ? 0
		       : sp    ? part_put_split(s, &b->parts, &sp)
			       : part_put(s, &b->parts, detail);
		if (r < 0 || d < 0)
			return ASSAY_EIO;
		if (r > 0 && d > 0) {
			b->at[slot] = (uint32_t)mark;
			b->len[slot] = (uint32_t)(b->parts.len - mark);
			b->mask |= 1ull << slot;
			return 0;
		}
		b->parts.len = mark; /* stored as it is instead */
	}
	return score_pack_note(&b->plain, slot, reason, detail);
}

int score_notes_finish(score_notes_buf *b, abuf *out)
{
	if (b->plain.len && abuf_append(out, b->plain.data, b->plain.len) < 0)
		return ASSAY_ENOMEM;
	if (!b->mask)
		return 0;
	/* the compact record written in place: its first byte, the mask (at
	 * most 10 bytes), the entries (within parts) and two NULs */
	if (abuf_reserve(out, 1 + 10 + b->parts.len + 2) < 0)
		return ASSAY_ENOMEM;
	unsigned char *w = (unsigned char *)out->data + out->len;
	*w++ = NOTES_COMPACT;
	for (uint64_t x = b->mask; x; x >>= 7)
		*w++ = (unsigned char)((x & 0x7f) | (x >> 7 ? 0x80 : 0));
	for (uint64_t m = b->mask; m; m &= m - 1) {
		int slot = __builtin_ctzll(m);
		memcpy(w, b->parts.data + b->at[slot], b->len[slot]);
		w += b->len[slot];
	}
	*w++ = 0;
	*w++ = 0;
	out->len = (size_t)(w - (unsigned char *)out->data);
	out->data[out->len] = '\0';
	return 0;
}

/* Passes over one text of an entry (its form says how many numbers). */
static bool part_skip(score_forms *f, sqlite3 *db, const unsigned char **p,
		      const unsigned char *end)
{
	uint64_t id, v;
	if (!get_leb(p, end, &id))
		return false;
	const char *form = score_forms_text(f, db, id);
	if (!form)
		return false;
	for (const char *c = form; *c; c++)
		if (*c == SCORE_FORM_NUM && !get_leb(p, end, &v))
			return false;
	return true;
}

/* Appends one text (form and numbers from *p) to out, NUL-terminated. */
static bool part_get(score_forms *f, sqlite3 *db, const unsigned char **p,
		     const unsigned char *end, abuf *out)
{
	uint64_t id;
	if (!get_leb(p, end, &id))
		return false;
	const char *form = score_forms_text(f, db, id);
	if (!form)
		return false;
	for (const char *c = form; *c; c++) {
		uint64_t v;
		if (*c != SCORE_FORM_NUM) {
			if (abuf_putc(out, *c) < 0)
				return false;
		} else if (!get_leb(p, end, &v) || abuf_printf(out, "%" PRIu64, v) < 0) {
			return false;
		}
	}
	return abuf_putc(out, 0) == 0;
}

/* Reads a compact record's slot mask; *p is past the record's first byte. */
static bool mask_get(const unsigned char **p, const unsigned char *end, uint64_t *mask)
{
	*mask = 0;
	for (int shift = 0; *p < end && shift < 64; shift += 7) {
		unsigned char c = *(*p)++;
		*mask |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return *mask != 0;
	}
	return false;
}

/* Calls fn for each entry of a compact record (rec past its first byte). */
static bool entries_each(score_forms *f, sqlite3 *db, const unsigned char *rec,
			 const unsigned char *end,
			 bool (*fn)(void *ud, int slot, const unsigned char *p, size_t n), void *ud)
{
	const unsigned char *p = rec;
	uint64_t mask;
	if (!f || !mask_get(&p, end, &mask))
		return false;
	for (int slot = 0; slot < 64; slot++) {
		if (!(mask >> slot & 1))
			continue;
		const unsigned char *from = p;
		if (!part_skip(f, db, &p, end) || !part_skip(f, db, &p, end))
			return false;
		if (!fn(ud, slot, from, (size_t)(p - from)))
			return true;
	}
	return true;
}

typedef struct {
	score_forms *f;
	sqlite3 *db;
	int slot;
	abuf *reason, *detail;
	bool found, ok;
} find_ctx;

static bool on_find(void *ud, int slot, const unsigned char *p, size_t n)
{
	find_ctx *c = ud;
	if (slot != c->slot)
		return true;
	c->found = true;
	c->ok = part_get(c->f, c->db, &p, p + n, c->reason) &&
		part_get(c->f, c->db, &p, p + n, c->detail);
	return false;
}

bool score_forms_find(score_forms *f, sqlite3 *db, const unsigned char *rec,
		      const unsigned char *end, int slot, abuf *reason, abuf *detail)
{
	find_ctx c = {f, db, slot, reason, detail, false, false};
	return entries_each(f, db, rec, end, on_find, &c) && c.found && c.ok;
}

typedef struct {
	score_notes_buf *into;
	uint64_t drop;
	int rc;
} keep_ctx;

static bool on_keep(void *ud, int slot, const unsigned char *p, size_t n)
{
	keep_ctx *c = ud;
	if (!(c->drop >> slot & 1) && c->rc == 0)
		c->rc = entry_put(c->into, slot, p, n);
	return true;
}

int score_forms_keep(score_forms *f, sqlite3 *db, const unsigned char *rec,
		     const unsigned char *end, uint64_t drop, score_notes_buf *into)
{
	keep_ctx c = {into, drop, 0};
	/* a record that cannot be read (a form id not in score_forms): the
	 * write fails rather than drop the reasons it holds */
	if (!entries_each(f, db, rec, end, on_keep, &c) && c.rc == 0)
		return ASSAY_EFORMAT;
	return c.rc;
}

/* ---- the connection's cache ------------------------------------------------------ */

/* score_forms_attach(p): stores the connection's cache through p (a
 * pointer bound by score_forms_note), so the store shares note_at's. */
static void fn_attach(sqlite3_context *c, int argc, sqlite3_value **v)
{
	(void)argc;
	score_forms **dst = sqlite3_value_pointer(v[0], "assay_forms");
	score_forms *f = sqlite3_user_data(c);
	if (dst) {
		*dst = f;
		f->owner = dst;
	}
}

score_forms *score_forms_register(sqlite3 *db)
{
	score_forms *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	/* the function owns the cache: the connection frees it at close */
	if (sqlite3_create_function_v2(db, "score_forms_attach", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY,
				       f, fn_attach, NULL, NULL, score_forms_destroy) != SQLITE_OK)
		return NULL;
	return f;
}

static const char sql_attach[] = "SELECT score_forms_attach(?1)";

int score_forms_attach(store *s)
{
	if (s->forms)
		return 0;
	assay_error ignored = {0};
	sqlite3_stmt *st = store_stmt(s, sql_attach, &ignored);
	if (!st)
		return -1;
	sqlite3_bind_pointer(st, 1, &s->forms, "assay_forms", NULL);
	sqlite3_step(st);
	sqlite3_reset(st);
	return s->forms ? 0 : -1;
}

typedef struct {
	score_forms *f;
	sqlite3 *db;
	abuf *out;
	bool ok;
} plain_ctx;

static bool on_plain(void *ud, int slot, const unsigned char *p, size_t n)
{
	plain_ctx *c = ud;
	c->ok = abuf_putc(c->out, (char)slot) == 0 && part_get(c->f, c->db, &p, p + n, c->out) &&
		part_get(c->f, c->db, &p, p + n, c->out);
	return c->ok;
}

bool score_forms_plain(score_forms *f, sqlite3 *db, const unsigned char *rec,
		       const unsigned char *end, abuf *out)
{
	plain_ctx c = {f, db, out, true};
	return entries_each(f, db, rec, end, on_plain, &c) && c.ok;
}
