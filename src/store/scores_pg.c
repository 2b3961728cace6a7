/* scores_pg.c — the packed scores on PostgreSQL (scores_pg.h): the cache
 * of slots and versions read from scorers and scorer_versions, a sample's
 * scores written as one upsert that merges its slots into the stored
 * arrays (and its notes in the same statement), and one sample's scores
 * read back through the scorers. */
#include "scores_pg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- slots and versions ---------------------------------------------------------- */

static const dbi_query q_slots = {"pg_score_slots", NULL,
				  "SELECT slot, name FROM scorers ORDER BY slot"};
static const dbi_query q_vers = {"pg_score_vers", NULL,
				 "SELECT id, slot, version FROM scorer_versions ORDER BY id"};

static int load_slots(store *s, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_slots, err);
	if (!st)
		return err->code;
	int rc;
	while ((rc = dbi_step(st, err, "reading the scorers")) == DBI_ROW) {
		int64_t slot = dbi_col_i64(st, 0);
		if (slot < 0 || slot >= STORE_MAX_SLOTS)
			continue;
		if ((size_t)slot >= s->n_slots) {
			char **v = realloc(s->slot_names, (size_t)(slot + 1) * sizeof *v);
			if (!v)
				goto nomem;
			for (size_t i = s->n_slots; i <= (size_t)slot; i++)
				v[i] = NULL;
			s->slot_names = v;
			s->n_slots = (size_t)slot + 1;
		}
		free(s->slot_names[slot]);
		if (!(s->slot_names[slot] = store_dcol_str(st, 1)))
			goto nomem;
	}
	return rc;
nomem:
	dbi_reset(st);
	return assay_fail(err, ASSAY_ENOMEM, "out of memory");
}

static int load_vers(store *s, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_vers, err);
	if (!st)
		return err->code;
	int rc;
	size_t cap = 0;
	while ((rc = dbi_step(st, err, "reading the scorer versions")) == DBI_ROW) {
		if (s->n_vers == cap) {
			cap = cap ? cap * 2 : 32;
			void *v = realloc(s->vers, cap * sizeof *s->vers);
			if (!v)
				goto nomem;
			s->vers = v;
		}
		s->vers[s->n_vers] = (struct store_ver){.id = (uint32_t)dbi_col_i64(st, 0),
							.slot = (int)dbi_col_i64(st, 1),
							.version = store_dcol_str(st, 2)};
		if (!s->vers[s->n_vers++].version)
			goto nomem;
	}
	return rc;
nomem:
	dbi_reset(st);
	return assay_fail(err, ASSAY_ENOMEM, "out of memory");
}

int score_slots_load_pg(store *s, assay_error *err)
{
	score_slots_forget(s);
	int rc = load_slots(s, err);
	if (rc == 0)
		rc = load_vers(s, err);
	if (rc < 0) {
		score_slots_forget(s);
		return rc;
	}
	s->slots_loaded = true;
	return ASSAY_OK;
}

static const dbi_query q_new_slot = {
    "pg_score_new_slot", NULL,
    "INSERT INTO scorers (slot, name) SELECT coalesce(max(slot) + 1, 0), $1 FROM scorers"
    " RETURNING slot"};
static const dbi_query q_new_ver = {
    "pg_score_new_ver", NULL, "INSERT INTO scorer_versions (slot, version) VALUES ($1, $2)"};

int score_slot_make_pg(store *s, const char *name, const char *version, int *slot,
		       uint32_t *ver, assay_error *err)
{
	int rc = score_slot_find(s, name, version, slot, ver, err);
	if (rc < 0 || *ver)
		return rc;
	s->slots_made = true;
	if (*slot < 0) {
		dbi_stmt *st = dbi_stmt_get(s->dbi, &q_new_slot, err);
		if (!st)
			return err->code;
		dbi_bind_text(st, 1, name, -1);
		rc = dbi_step(st, err, "adding a scorer");
		*slot = rc == DBI_ROW ? (int)dbi_col_i64(st, 0) : -1;
		dbi_reset(st);
		if (rc < 0)
			return rc;
		if (*slot >= STORE_MAX_SLOTS)
			return assay_fail(err, ASSAY_EINVAL,
					  "scorer \"%s\": a database holds at most %d scorers", name,
					  STORE_MAX_SLOTS);
	}
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_new_ver, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, *slot);
	dbi_bind_text(st, 2, version, -1);
	if ((rc = dbi_run(st, err, "adding a scorer version")) < 0)
		return rc;
	return score_slot_find(s, name, version, slot, ver, err);
}

/* ---- writing ----------------------------------------------------------------------- */

/* Array literals: the new values and version ids of the written slots
 * (NULL elsewhere, which the merge reads as "keep the stored one"), and
 * their reasons and details (NULL when none). */
typedef struct put_arrays {
	abuf vals, vers, reasons, details;
	bool notes;
} put_arrays;

/* Appends a text array element: quoted, with " and \ escaped; NULL when
 * t is NULL or empty. */
int scores_pg_text_elem(abuf *b, const char *t)
{
	if (!t || !*t)
		return abuf_puts(b, "NULL");
	int rc = abuf_putc(b, '"');
	for (const char *p = t; *p && rc == 0; p++)
		rc = (*p == '"' || *p == '\\') ? abuf_printf(b, "\\%c", *p) : abuf_putc(b, *p);
	return rc | abuf_putc(b, '"');
}

static int arrays_build(put_arrays *a, const store_score_row *rows, size_t n, const int *slot,
			const uint32_t *ver, int top)
{
	int rc = 0;
	for (int k = 0; k <= top && rc == 0; k++) {
		const char *sep = k ? "," : "{";
		size_t i = 0;
		while (i < n && slot[i] != k)
			i++;
		rc |= abuf_puts(&a->vals, sep) | abuf_puts(&a->vers, sep);
		rc |= abuf_puts(&a->reasons, sep) | abuf_puts(&a->details, sep);
		if (i == n) {
			rc |= abuf_puts(&a->vals, "NULL") | abuf_puts(&a->vers, "NULL");
			rc |= abuf_puts(&a->reasons, "NULL") | abuf_puts(&a->details, "NULL");
			continue;
		}
		double v = rows[i].value;
		rc |= isnan(v) ? abuf_puts(&a->vals, "NULL") : abuf_printf(&a->vals, "%.17g", v);
		rc |= abuf_printf(&a->vers, "%u", (unsigned)ver[i]);
		rc |= scores_pg_text_elem(&a->reasons, rows[i].reason);
		rc |= scores_pg_text_elem(&a->details, rows[i].detail);
		a->notes |= (rows[i].reason && *rows[i].reason) || (rows[i].detail && *rows[i].detail);
	}
	rc |= abuf_putc(&a->vals, '}') | abuf_putc(&a->vers, '}');
	rc |= abuf_putc(&a->reasons, '}') | abuf_putc(&a->details, '}');
	return rc ? ASSAY_ENOMEM : 0;
}

static void arrays_free(put_arrays *a)
{
	abuf_free(&a->vals);
	abuf_free(&a->vers);
	abuf_free(&a->reasons);
	abuf_free(&a->details);
}

/* One round trip per sample: the row's upsert merges the written slots
 * (those with a version id in the new vers) into the stored arrays; the
 * notes' upsert runs when the write has notes or the sample has a notes
 * row already (whose written slots it clears), as SQLite's note_merge. */
static const dbi_query q_put = {
    "pg_scores_put", NULL,
    "WITH r AS (INSERT INTO sample_scores AS o (sample_id, flags, learned, scored_at, vals, vers)"
    "  VALUES ($1, $2, $3, $4, $5::float8[], $6::integer[])"
    "  ON CONFLICT (sample_id) DO UPDATE SET flags = (o.flags & ~$7::bigint) | excluded.flags,"
    "  learned = CASE WHEN $8::integer = 1 THEN excluded.learned ELSE o.learned END,"
    "  scored_at = excluded.scored_at,"
    "  vals = ARRAY(SELECT CASE WHEN nv IS NULL THEN ov ELSE n END"
    "    FROM unnest(excluded.vals, excluded.vers, o.vals) WITH ORDINALITY AS u(n, nv, ov, i)"
    "    ORDER BY i),"
    "  vers = ARRAY(SELECT coalesce(nv, ov)"
    "    FROM unnest(excluded.vers, o.vers) WITH ORDINALITY AS u(nv, ov, i) ORDER BY i)"
    "  RETURNING 1)"
    " INSERT INTO score_notes AS o (sample_id, reasons, details)"
    " SELECT $1, $9::text[], $10::text[]"
    "  WHERE $11::integer = 1 OR EXISTS (SELECT 1 FROM score_notes WHERE sample_id = $1)"
    " ON CONFLICT (sample_id) DO UPDATE SET"
    "  reasons = ARRAY(SELECT CASE WHEN ($7::bigint >> (i - 1)::integer) & 1 = 1 THEN n ELSE ov END"
    "    FROM unnest(excluded.reasons, o.reasons) WITH ORDINALITY AS u(n, ov, i) ORDER BY i),"
    "  details = ARRAY(SELECT CASE WHEN ($7::bigint >> (i - 1)::integer) & 1 = 1 THEN n ELSE ov END"
    "    FROM unnest(excluded.details, o.details) WITH ORDINALITY AS u(n, ov, i) ORDER BY i)"};

static int put_run(store *s, const store_score_row *rows, const put_arrays *a, int64_t at,
		   uint64_t mask, uint64_t flags, int learned_i, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_put, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, rows[0].sample_id);
	dbi_bind_i64(st, 2, (int64_t)flags);
	if (learned_i < 0 || isnan(rows[learned_i].value))
		dbi_bind_null(st, 3);
	else
		dbi_bind_f64(st, 3, rows[learned_i].value);
	dbi_bind_i64(st, 4, at);
	dbi_bind_text(st, 5, a->vals.data, (int64_t)a->vals.len);
	dbi_bind_text(st, 6, a->vers.data, (int64_t)a->vers.len);
	dbi_bind_i64(st, 7, (int64_t)mask);
	dbi_bind_i64(st, 8, learned_i >= 0);
	dbi_bind_text(st, 9, a->reasons.data, (int64_t)a->reasons.len);
	dbi_bind_text(st, 10, a->details.data, (int64_t)a->details.len);
	dbi_bind_i64(st, 11, a->notes);
	return dbi_run(st, err, "writing scores");
}

int store_scores_put_at_pg(store *s, const store_score_row *rows, size_t n, int64_t at,
			   assay_error *err)
{
	int slot[STORE_MAX_SLOTS], top = -1, learned_i = -1;
	uint32_t ver[STORE_MAX_SLOTS];
	if (n > STORE_MAX_SLOTS)
		return assay_fail(err, ASSAY_EINVAL, "at most %d scorers", STORE_MAX_SLOTS);
	int rc = ASSAY_OK;
	uint64_t mask = 0, flags = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = score_slot_make(s, rows[i].scorer, rows[i].version, &slot[i], &ver[i], err);
		if (rc < 0)
			break;
		top = slot[i] > top ? slot[i] : top;
		mask |= 1ull << slot[i];
		flags |= (uint64_t)(rows[i].flagged && !isnan(rows[i].value)) << slot[i];
		if (strcmp(rows[i].scorer, "learned") == 0)
			learned_i = (int)i;
	}
	if (rc < 0 || top < 0)
		return rc;
	if (s->in_tx) /* sent with the others of the transaction */
		return scores_pg_hold(s, rows, n, slot, ver, mask, flags, learned_i, at, err);
	put_arrays a = {0};
	if (arrays_build(&a, rows, n, slot, ver, top) < 0)
		rc = assay_fail(err, ASSAY_ENOMEM, "out of memory");
	else
		rc = put_run(s, rows, &a, at, mask, flags, learned_i, err);
	arrays_free(&a);
	return rc;
}

/* The slot's reason and detail set (the arrays padded with NULLs up to
 * it); a row is made only for a note, as SQLite's notes_put does. The
 * arrays are rebuilt from 1 (the elements before, NULLs up to the slot,
 * the note, the elements after), never assigned by subscript: assigning
 * element k of an empty array makes one whose first subscript is k, which
 * every positional reading (unnest WITH ORDINALITY) would take as slot 0. */
#define SET_AT(col, val)                                                                           \
	"(coalesce(o." col ", '{}') || array_fill(NULL::text, ARRAY[$2::integer]))"                  \
	"[1:$2::integer - 1] || " val "::text || coalesce(o." col "[$2::integer + 1:], '{}')"
static const dbi_query q_set_detail = {
    "pg_score_set_detail", NULL,
    "INSERT INTO score_notes AS o (sample_id, reasons, details)"
    " SELECT $1, array_fill(NULL::text, ARRAY[$2::integer - 1]) || $3::text,"
    "  array_fill(NULL::text, ARRAY[$2::integer - 1]) || $4::text"
    " WHERE $3::text IS NOT NULL OR $4::text IS NOT NULL"
    "  OR EXISTS (SELECT 1 FROM score_notes WHERE sample_id = $1)"
    " ON CONFLICT (sample_id) DO UPDATE SET reasons = " SET_AT("reasons", "$3")
    ", details = " SET_AT("details", "$4")};
#undef SET_AT

static void bind_note(dbi_stmt *st, int idx, const char *t)
{
	if (t && *t)
		dbi_bind_text(st, idx, t, -1);
	else
		dbi_bind_null(st, idx);
}

int store_score_set_detail_pg(store *s, int64_t sample_id, int slot, const char *reason,
			      const char *detail, assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_set_detail, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	dbi_bind_i64(st, 2, slot + 1);
	bind_note(st, 3, reason);
	bind_note(st, 4, detail);
	return dbi_run(st, err, "writing a score's reason");
}

static const dbi_query q_current = {
    "pg_score_current", NULL,
    "SELECT CASE WHEN ss.vers[$2::integer] = $3::integer THEN 1 ELSE 0 END"
    " FROM sample_scores ss WHERE ss.sample_id = $1"};

int store_score_current_pg(store *s, int64_t sample_id, int slot, uint32_t ver, bool *current,
			   assay_error *err)
{
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_current, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	dbi_bind_i64(st, 2, slot + 1);
	dbi_bind_i64(st, 3, ver);
	int rc = dbi_step(st, err, "reading scores");
	if (rc == DBI_ROW) {
		*current = dbi_col_i64(st, 0) == 1;
		dbi_reset(st);
		return ASSAY_OK;
	}
	return rc == DBI_DONE ? ASSAY_OK : rc;
}

/* ---- reading one sample ------------------------------------------------------------- */

static const dbi_query q_get = {
    "pg_scores_get", NULL,
    "SELECT sc.name, v.version, ss.vals[sc.slot + 1], (ss.flags >> sc.slot::integer) & 1,"
    " coalesce(n.reasons[sc.slot + 1], ''), coalesce(n.details[sc.slot + 1], ''), ss.scored_at"
    " FROM sample_scores ss CROSS JOIN scorers sc"
    " JOIN scorer_versions v ON v.id = ss.vers[sc.slot + 1]"
    " LEFT JOIN score_notes n ON n.sample_id = ss.sample_id"
    " WHERE ss.sample_id = $1 ORDER BY sc.name COLLATE \"C\""};

int store_scores_get_pg(store *s, int64_t sample_id, store_score **out, size_t *n,
			assay_error *err)
{
	*out = NULL;
	*n = 0;
	dbi_stmt *st = dbi_stmt_get(s->dbi, &q_get, err);
	if (!st)
		return err->code;
	dbi_bind_i64(st, 1, sample_id);
	size_t cap = 0;
	int rc;
	while ((rc = dbi_step(st, err, "reading scores")) == DBI_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			store_score *v = realloc(*out, cap * sizeof *v);
			if (!v)
				goto nomem;
			*out = v;
		}
		store_score *x = &(*out)[(*n)++];
		*x = (store_score){.scorer = store_dcol_str(st, 0),
				   .version = store_dcol_str(st, 1),
				   .value = dbi_col_null(st, 2) ? NAN : dbi_col_f64(st, 2),
				   .flagged = dbi_col_i64(st, 3) != 0,
				   .reason = store_dcol_str(st, 4),
				   .detail = store_dcol_str(st, 5),
				   .scored_at = dbi_col_i64(st, 6)};
		if (!x->scorer || !x->version || !x->reason || !x->detail)
			goto nomem;
	}
	if (rc == DBI_DONE)
		return ASSAY_OK;
	store_scores_free(*out, *n);
	*out = NULL;
	*n = 0;
	return rc;
nomem:
	dbi_reset(st);
	store_scores_free(*out, *n);
	*out = NULL;
	*n = 0;
	return assay_fail(err, ASSAY_ENOMEM, "out of memory");
}
