/* score_pack.c — a sample's scores as one row: a value per scorer slot
 * (NaN when the scorer failed), a version id per slot (into
 * scorer_versions, 0: not scored), both packed small (below), a flag
 * bitmask, and beside it the reasons and details in one notes blob; and
 * the SQL functions that read them with the slot bound as a parameter
 * (the cache of slots and version ids: score_slots.c). */
#include "store_int.h"
#include "scores_pg.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- packing ------------------------------------------------------------------ */

/* A row written by an earlier build holds 8 bytes a slot in vals and 4 in
 * vers. The compact layout this build writes:
 *   vals: byte 0 the slot count n, then 2 bits a slot (ceil(n/4) bytes,
 *         slot i at bits 2*(i%4) of byte 1 + i/4): 0 NaN (not scored or
 *         failed), 1 the value 1.0, 2 a float32 that holds the value
 *         exactly, 3 a float64; then the float32s and float64s in slot
 *         order, little-endian;
 *   vers: byte 0 the slot count n, then each slot's version id (0: not
 *         scored) as a LEB128 number;
 * each with a zero byte added when its length would be a multiple of 8
 * (vals) or 4 (vers): the length tells the layouts apart. */

static uint64_t load_le(const unsigned char *p, int n)
{
	uint64_t u = 0;
	for (int i = n - 1; i >= 0; i--)
		u = u << 8 | p[i];
	return u;
}

static void store_le(unsigned char *p, uint64_t u, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(u >> (8 * i));
}

size_t score_pack_nvals(const void *vals, size_t len)
{
	const unsigned char *p = vals;
	return !p || !len ? 0 : len % 8 ? p[0] : len / 8;
}

size_t score_pack_nvers(const void *vers, size_t len)
{
	const unsigned char *p = vers;
	return !p || !len ? 0 : len % 4 ? p[0] : len / 4;
}

/* A float of width w (4 or 8) at p, little-endian. */
static double load_float(const unsigned char *p, size_t w)
{
	if (w == 8) {
		uint64_t u = load_le(p, 8);
		double d;
		memcpy(&d, &u, sizeof d);
		return d;
	}
	uint32_t u = (uint32_t)load_le(p, 4);
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

size_t score_pack_unpack(const void *vals, size_t len, double *out, size_t max)
{
	const unsigned char *p = vals;
	size_t n = score_pack_nvals(vals, len);
	n = n < max ? n : max;
	if (len % 8 == 0) {
		for (size_t i = 0; i < n; i++)
			out[i] = load_float(p + i * 8, 8);
		return n;
	}
	size_t at = 1 + ((size_t)p[0] + 3) / 4;
	bool ok = at <= len; /* a value past the end: it and every later one NaN */
	for (size_t i = 0; i < n; i++) {
		int code = ok ? p[1 + i / 4] >> (i % 4 * 2) & 3 : 0;
		size_t w = code == 2 ? 4 : code == 3 ? 8 : 0;
		if (ok && at + w > len)
			ok = false;
		out[i] = !ok ? NAN : code == 0 ? NAN : code == 1 ? 1.0 : load_float(p + at, w);
		at += ok ? w : 0;
	}
	return n;
}

double score_pack_val(const void *vals, size_t len, int slot)
{
	double v[STORE_MAX_SLOTS];
	if (slot < 0 || slot >= STORE_MAX_SLOTS || !vals)
		return NAN;
	return (size_t)slot < score_pack_unpack(vals, len, v, (size_t)slot + 1) ? v[slot] : NAN;
}

uint32_t score_pack_ver(const void *vers, size_t len, int slot)
{
	const unsigned char *p = vers;
	if (slot < 0 || !p)
		return 0;
	if (len % 4 == 0)
		return (size_t)slot * 4 + 4 > len ? 0 : (uint32_t)load_le(p + (size_t)slot * 4, 4);
	size_t at = 1;
	if ((size_t)slot >= p[0])
		return 0;
	for (int i = 0; at < len; i++) {
		uint32_t id = 0;
		for (int shift = 0; at < len && shift < 35; shift += 7) {
			unsigned char c = p[at++];
			id |= (uint32_t)(c & 0x7f) << shift;
			if (!(c & 0x80))
				break;
		}
		if (i == slot)
			return id;
	}
	return 0;
}

/* Whether a float32 holds v exactly (its range checked first: a cast
 * from outside it is undefined). */
static bool fits_float(double v)
{
	return isinf(v) || (fabs(v) <= FLT_MAX && (double)(float)v == v);
}

size_t score_pack_vals(unsigned char *out, const double *v, size_t n)
{
	size_t at = 1 + (n + 3) / 4;
	memset(out, 0, at);
	out[0] = (unsigned char)n;
	for (size_t i = 0; i < n; i++) {
		int code = isnan(v[i]) ? 0 : v[i] == 1.0 ? 1 : fits_float(v[i]) ? 2 : 3;
		out[1 + i / 4] |= (unsigned char)(code << (i % 4 * 2));
		if (code == 2) {
			float f = (float)v[i];
			uint32_t u;
			memcpy(&u, &f, sizeof u);
			store_le(out + at, u, 4);
			at += 4;
		} else if (code == 3) {
			uint64_t u;
			memcpy(&u, &v[i], sizeof u);
			store_le(out + at, u, 8);
			at += 8;
		}
	}
	if (at % 8 == 0)
		out[at++] = 0;
	return at;
}

size_t score_pack_vers(unsigned char *out, const uint32_t *id, size_t n)
{
	size_t at = 1;
	out[0] = (unsigned char)n;
	for (size_t i = 0; i < n; i++) {
		uint32_t x = id[i];
		do {
			out[at] = (unsigned char)(x & 0x7f);
			x >>= 7;
			out[at++] |= x ? 0x80 : 0;
		} while (x);
	}
	if (at % 4 == 0)
		out[at++] = 0;
	return at;
}

void score_pack_put_val(unsigned char *vals, int slot, double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof u);
	store_le(vals + (size_t)slot * 8, u, 8);
}

void score_pack_put_ver(unsigned char *vers, int slot, uint32_t id)
{
	store_le(vers + (size_t)slot * 4, id, 4);
}

/* The notes blob: for each slot with a reason or detail, one byte of slot,
 * the reason and a NUL, the detail and a NUL (an empty detail: none); and
 * at most one compact record (score_forms.c: the byte 0xC0, no NUL inside,
 * two NULs), which a reader that knows only the plain records passes
 * over. Calls fn for each record (at: its first byte, d: its second text,
 * next: the record after it) until fn returns false; false when the blob
 * is malformed. */
static bool notes_each(const unsigned char *p, size_t len,
		       bool (*fn)(void *ud, const unsigned char *at, const unsigned char *d,
				  const unsigned char *next),
		       void *ud)
{
	if (!p)
		return true; /* no notes (SQLite gives no pointer for an empty blob) */
	const unsigned char *end = p + len;
	while (p < end) {
		const unsigned char *at = p++;
		const unsigned char *z = memchr(p, 0, (size_t)(end - p));
		const unsigned char *d = z ? z + 1 : end;
		const unsigned char *z2 = d < end ? memchr(d, 0, (size_t)(end - d)) : NULL;
		if (!z || !z2)
			return false;
		p = z2 + 1;
		if (!fn(ud, at, d, p))
			return true;
	}
	return true;
}

#define COMPACT 0xC0

typedef struct {
	int slot;
	const unsigned char *at, *d, *compact, *next_c;
} find_ctx;

static bool on_find(void *ud, const unsigned char *at, const unsigned char *d,
		    const unsigned char *next)
{
	find_ctx *c = ud;
	if (*at == COMPACT) {
		c->compact = at;
		c->next_c = next;
	} else if (*at == c->slot && !c->at) {
		c->at = at;
		c->d = d;
	}
	return true;
}

/* note_merge's pass over a blob: its plain records whose slot is not in
 * mask to out, its compact entries outside mask to b. */
typedef struct {
	abuf *out;
	score_notes_buf *b;
	uint64_t mask;
	sqlite3_context *c;
	int rc;
} keep_ctx;

static bool on_keep(void *ud, const unsigned char *at, const unsigned char *d,
		    const unsigned char *next)
{
	(void)d;
	keep_ctx *k = ud;
	if (*at == COMPACT)
		k->rc |= score_forms_keep(sqlite3_user_data(k->c), sqlite3_context_db_handle(k->c),
					  at + 1, next, k->mask, k->b);
	else if (!(*at < 64 && (k->mask >> *at & 1)) &&
		 abuf_append(k->out, at, (size_t)(next - at)) < 0)
		k->rc = ASSAY_ENOMEM;
	return k->rc == 0;
}

int score_pack_note(abuf *out, int slot, const char *reason, const char *detail)
{
	if ((!reason || !*reason) && (!detail || !*detail))
		return 0;
	int rc = abuf_putc(out, (char)slot);
	rc |= abuf_append(out, reason ? reason : "", reason ? strlen(reason) + 1 : 1);
	rc |= abuf_append(out, detail ? detail : "", detail ? strlen(detail) + 1 : 1);
	return rc ? ASSAY_ENOMEM : 0;
}

/* ---- SQL functions ------------------------------------------------------------- */

/* score_at(vals, slot): the slot's value, NULL when unscored or failed. */
static void fn_score_at(sqlite3_context *c, int argc, sqlite3_value **v)
{
	(void)argc;
	if (sqlite3_value_type(v[1]) == SQLITE_NULL)
		return;
	double d = score_pack_val(sqlite3_value_blob(v[0]), (size_t)sqlite3_value_bytes(v[0]),
				  sqlite3_value_int(v[1]));
	if (!isnan(d))
		sqlite3_result_double(c, d);
}

/* ver_at(vers, slot): the slot's version id, NULL when unscored. */
static void fn_ver_at(sqlite3_context *c, int argc, sqlite3_value **v)
{
	(void)argc;
	if (sqlite3_value_type(v[1]) == SQLITE_NULL)
		return;
	uint32_t id = score_pack_ver(sqlite3_value_blob(v[0]), (size_t)sqlite3_value_bytes(v[0]),
				     sqlite3_value_int(v[1]));
	if (id)
		sqlite3_result_int64(c, id);
}

/* note_at(notes, slot, part): the reason (part 0, '' when none) or the
 * detail (part 1, NULL when none). */
static void fn_note_at(sqlite3_context *c, int argc, sqlite3_value **v)
{
	(void)argc;
	int part = sqlite3_value_int(v[2]);
	const char *r = "", *d = "";
	find_ctx f = {.slot = sqlite3_value_type(v[1]) == SQLITE_NULL ? -1 : sqlite3_value_int(v[1])};
	abuf br = {0}, bd = {0};
	if (f.slot >= 0 && f.slot < 64 &&
	    notes_each(sqlite3_value_blob(v[0]), (size_t)sqlite3_value_bytes(v[0]), on_find, &f)) {
		if (f.at) {
			r = (const char *)f.at + 1;
			d = (const char *)f.d;
		} else if (f.compact && score_forms_find(sqlite3_user_data(c),
							 sqlite3_context_db_handle(c), f.compact + 1,
							 f.next_c, f.slot, &br, &bd)) {
			r = br.data;
			d = bd.data;
		}
	}
	if (part == 0)
		sqlite3_result_text(c, r, -1, SQLITE_TRANSIENT);
	else if (*d)
		sqlite3_result_text(c, d, -1, SQLITE_TRANSIENT);
	abuf_free(&br);
	abuf_free(&bd);
}

/* score_merge(old, new, mask, width): the values (width 8) or version ids
 * (width 4) of old, with those of the slots in mask taken from new, in
 * the compact layout whichever layout each is in. */
static void fn_score_merge(sqlite3_context *c, int argc, sqlite3_value **v)
{
	(void)argc;
	const unsigned char *o = sqlite3_value_blob(v[0]), *n = sqlite3_value_blob(v[1]);
	size_t ol = (size_t)sqlite3_value_bytes(v[0]), nl = (size_t)sqlite3_value_bytes(v[1]);
	uint64_t mask = (uint64_t)sqlite3_value_int64(v[2]);
	int w = sqlite3_value_int(v[3]);
	if (w != 4 && w != 8) {
		sqlite3_result_error(c, "score_merge: width must be 4 or 8", -1);
		return;
	}
	size_t on = w == 8 ? score_pack_nvals(o, ol) : score_pack_nvers(o, ol);
	size_t nn = w == 8 ? score_pack_nvals(n, nl) : score_pack_nvers(n, nl);
	size_t slots = on > nn ? on : nn;
	slots = slots > STORE_MAX_SLOTS ? STORE_MAX_SLOTS : slots;
	double d[STORE_MAX_SLOTS];
	uint32_t id[STORE_MAX_SLOTS];
	for (size_t i = 0; i < slots; i++) {
		bool take_new = mask >> i & 1;
		const unsigned char *src = take_new ? n : o;
		size_t sl = take_new ? nl : ol;
		if (w == 8)
			d[i] = score_pack_val(src, sl, (int)i);
		else
			id[i] = score_pack_ver(src, sl, (int)i);
	}
	unsigned char out[1 + STORE_MAX_SLOTS / 4 + STORE_MAX_SLOTS * 8 + 1];
	size_t len = w == 8 ? score_pack_vals(out, d, slots) : score_pack_vers(out, id, slots);
	sqlite3_result_blob(c, out, (int)len, SQLITE_TRANSIENT);
}

/* note_merge(old, new, mask): old's records and entries outside mask,
 * then new's, the compact entries in one record. */
static void fn_note_merge(sqlite3_context *c, int argc, sqlite3_value **v)
{
	(void)argc;
	score_notes_buf nb = {0};
	abuf b = {0};
	keep_ctx k = {&b, &nb, (uint64_t)sqlite3_value_int64(v[2]), c, 0};
	notes_each(sqlite3_value_blob(v[0]), (size_t)sqlite3_value_bytes(v[0]), on_keep, &k);
	keep_ctx kn = {&b, &nb, 0, c, k.rc};
	notes_each(sqlite3_value_blob(v[1]), (size_t)sqlite3_value_bytes(v[1]), on_keep, &kn);
	int rc = kn.rc ? kn.rc : score_notes_finish(&nb, &b);
	if (rc == ASSAY_ENOMEM)
		sqlite3_result_error_nomem(c);
	else if (rc)
		sqlite3_result_error(c, "a sample's score notes refer to a reason form missing from "
				     "score_forms (a damaged database: run assay info --check)", -1);
	else
		sqlite3_result_blob(c, b.data ? b.data : "", (int)b.len, SQLITE_TRANSIENT);
	score_notes_buf_free(&nb);
	abuf_free(&b);
}

/* note_plain(notes): the notes with the compact entries as plain records,
 * which need no forms to read (what `assay copy` carries). */
typedef struct {
	abuf *out;
	sqlite3_context *c;
	bool ok;
} plain_ctx;

static bool on_plain(void *ud, const unsigned char *at, const unsigned char *d,
		     const unsigned char *next)
{
	(void)d;
	plain_ctx *p = ud;
	if (*at == COMPACT)
		p->ok = score_forms_plain(sqlite3_user_data(p->c), sqlite3_context_db_handle(p->c),
					  at + 1, next, p->out);
	else
		p->ok = abuf_append(p->out, at, (size_t)(next - at)) == 0;
	return p->ok;
}

static void fn_note_plain(sqlite3_context *c, int argc, sqlite3_value **v)
{
	(void)argc;
	if (sqlite3_value_type(v[0]) == SQLITE_NULL)
		return;
	abuf b = {0};
	plain_ctx p = {&b, c, true};
	notes_each(sqlite3_value_blob(v[0]), (size_t)sqlite3_value_bytes(v[0]), on_plain, &p);
	if (!p.ok)
		sqlite3_result_error(c, "note_plain: a compact note whose form is unknown", -1);
	else
		sqlite3_result_blob(c, b.data ? b.data : "", (int)b.len, SQLITE_TRANSIENT);
	abuf_free(&b);
}

/* score_stale(vals, vers, want): how many of the wanted (slot, version id)
 * pairs (5 bytes each: the slot, the id little-endian) the row lacks as a
 * value of that version. */
static void fn_score_stale(sqlite3_context *c, int argc, sqlite3_value **v)
{
	(void)argc;
	const unsigned char *w = sqlite3_value_blob(v[2]);
	size_t wl = (size_t)sqlite3_value_bytes(v[2]);
	const void *vals = sqlite3_value_blob(v[0]), *vers = sqlite3_value_blob(v[1]);
	size_t vl = (size_t)sqlite3_value_bytes(v[0]), rl = (size_t)sqlite3_value_bytes(v[1]);
	int64_t stale = 0;
	for (size_t i = 0; w && i + 5 <= wl; i += 5) {
		int slot = w[i];
		uint32_t id = score_pack_ver(w + i + 1, 4, 0);
		stale += !id || score_pack_ver(vers, rl, slot) != id ||
			 isnan(score_pack_val(vals, vl, slot));
	}
	sqlite3_result_int64(c, stale);
}

int score_pack_register(sqlite3 *db)
{
	static const struct {
		const char *name;
		int n;
		void (*fn)(sqlite3_context *, int, sqlite3_value **);
	} fns[] = {{"score_at", 2, fn_score_at},	 {"ver_at", 2, fn_ver_at},
		   {"note_at", 3, fn_note_at},		 {"score_merge", 4, fn_score_merge},
		   {"note_merge", 3, fn_note_merge}, {"score_stale", 3, fn_score_stale},
		   {"note_plain", 1, fn_note_plain}};
	score_forms *forms = score_forms_register(db);
	if (!forms)
		return -1;
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(fns); i++)
		if (sqlite3_create_function_v2(db, fns[i].name, fns[i].n,
					       SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
					       forms, fns[i].fn, NULL, NULL, NULL) != SQLITE_OK)
			return -1;
	return 0;
}
