/* copy_scores.c — the packed scores across engines for `assay copy`: SQLite
 * keeps a sample's values, version ids and notes as blobs (score_pack.c),
 * PostgreSQL as arrays (scores_pg.h). A copy reads either (PostgreSQL's
 * values and versions as their arrays' text, its notes packed into
 * SQLite's blob by the read query) and writes the destination's own form;
 * the verification hashes one canonical form of both: values as 8 bytes
 * each (every NaN and NULL alike), version ids as 4 (NULL as 0), notes
 * sorted by slot. */
#include "copy_int.h"
#include "dbi_int.h"
#include "scores_pg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool from_pg(dbi_stmt *st)
{
	return dbi_engine_of(st->db) == DBI_PG;
}

/* Column c's values (F) or version ids (V), at most STORE_MAX_SLOTS. */
static size_t read_slots(dbi_stmt *st, int c, char type, double *vals, uint32_t *vers)
{
	size_t n = 0;
	if (from_pg(st)) {
		const char *t = dbi_col_text(st, c, &n);
		return type == 'F' ? scores_pg_f64s(t, n, vals, STORE_MAX_SLOTS)
				   : scores_pg_u32s(t, n, vers, STORE_MAX_SLOTS);
	}
	const void *p = dbi_col_blob(st, c, &n);
	size_t k = 0, slots = type == 'F' ? score_pack_nvals(p, n) : score_pack_nvers(p, n);
	for (; k < slots && k < STORE_MAX_SLOTS; k++) {
		if (type == 'F')
			vals[k] = score_pack_val(p, n, (int)k);
		else
			vers[k] = score_pack_ver(p, n, (int)k);
	}
	return k;
}

/* A notes blob's records in slot order (each: slot, reason, NUL, detail,
 * NUL), into out. */
static int notes_sorted(const unsigned char *p, size_t len, abuf *out)
{
	const unsigned char *at[STORE_MAX_SLOTS] = {0};
	size_t size[STORE_MAX_SLOTS] = {0};
	const unsigned char *q = p, *end = p ? p + len : NULL;
	while (q && q < end) {
		const unsigned char *z = memchr(q + 1, 0, (size_t)(end - q - 1));
		const unsigned char *z2 = z && z + 1 < end ? memchr(z + 1, 0, (size_t)(end - z - 1))
							   : NULL;
		if (!z2)
			break; /* malformed: the rest is not notes */
		if (*q < STORE_MAX_SLOTS) {
			at[*q] = q;
			size[*q] = (size_t)(z2 + 1 - q);
		}
		q = z2 + 1;
	}
	int rc = 0;
	for (int k = 0; k < STORE_MAX_SLOTS; k++)
		if (at[k])
			rc |= abuf_append(out, at[k], size[k]);
	return rc ? ASSAY_ENOMEM : ASSAY_OK;
}

int copy_packed_blob(dbi_stmt *st, int c, char type, bool canonical, abuf *out)
{
	abuf_reset(out);
	size_t n = 0;
	if (type == 'N' || type == 'M') {
		const unsigned char *p = dbi_col_blob(st, c, &n);
		return notes_sorted(p, n, out);
	}
	if (!canonical && !from_pg(st)) {
		const void *p = dbi_col_blob(st, c, &n);
		return abuf_append(out, p ? p : "", n) < 0 ? ASSAY_ENOMEM : ASSAY_OK;
	}
	double vals[STORE_MAX_SLOTS];
	uint32_t vers[STORE_MAX_SLOTS];
	n = read_slots(st, c, type, vals, vers);
	size_t w = type == 'F' ? 8 : 4;
	if (abuf_reserve(out, n * w) < 0)
		return ASSAY_ENOMEM;
	unsigned char *b = (unsigned char *)out->data;
	for (size_t k = 0; k < n; k++) {
		if (type == 'F')
			score_pack_put_val(b, (int)k, isnan(vals[k]) ? NAN : vals[k]);
		else
			score_pack_put_ver(b, (int)k, vers[k]);
	}
	out->len = n * w;
	return ASSAY_OK;
}

/* Appends a text array element: quoted, " and \ escaped; NULL when t is
 * empty. */
static int text_elem(abuf *b, const char *t, size_t n)
{
	if (!n)
		return abuf_puts(b, "NULL");
	int rc = abuf_putc(b, '"');
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = (t[i] == '"' || t[i] == '\\') ? abuf_printf(b, "\\%c", t[i]) : abuf_putc(b, t[i]);
	return rc | abuf_putc(b, '"');
}

/* The reasons (N) or details (M) of a notes blob as a text array literal,
 * one element per slot up to the last with a note. */
static int notes_literal(const unsigned char *p, size_t len, bool details, abuf *out)
{
	const char *txt[STORE_MAX_SLOTS] = {0};
	size_t tl[STORE_MAX_SLOTS] = {0};
	int top = -1;
	const unsigned char *q = p, *end = p ? p + len : NULL;
	while (q && q < end) {
		const unsigned char *z = memchr(q + 1, 0, (size_t)(end - q - 1));
		const unsigned char *z2 = z && z + 1 < end ? memchr(z + 1, 0, (size_t)(end - z - 1))
							   : NULL;
		if (!z2)
			break;
		if (*q < STORE_MAX_SLOTS) {
			txt[*q] = details ? (const char *)z + 1 : (const char *)q + 1;
			tl[*q] = details ? (size_t)(z2 - z - 1) : (size_t)(z - q - 1);
			top = *q > top ? *q : top;
		}
		q = z2 + 1;
	}
	int rc = abuf_putc(out, '{');
	for (int k = 0; k <= top && rc == 0; k++) {
		if (k)
			rc |= abuf_putc(out, ',');
		rc |= text_elem(out, txt[k], tl[k]);
	}
	return rc | abuf_putc(out, '}') ? ASSAY_ENOMEM : ASSAY_OK;
}

int copy_packed_literal(dbi_stmt *st, int c, char type, abuf *out)
{
	abuf_reset(out);
	size_t n = 0;
	if (type == 'N' || type == 'M') {
		const unsigned char *p = dbi_col_blob(st, c, &n);
		return notes_literal(p, n, type == 'M', out);
	}
	if (from_pg(st)) {
		const char *t = dbi_col_text(st, c, &n);
		return abuf_append(out, t, n) < 0 ? ASSAY_ENOMEM : ASSAY_OK;
	}
	double vals[STORE_MAX_SLOTS];
	uint32_t vers[STORE_MAX_SLOTS];
	n = read_slots(st, c, type, vals, vers);
	int rc = abuf_putc(out, '{');
	for (size_t k = 0; k < n && rc == 0; k++) {
		rc |= k ? abuf_putc(out, ',') : 0;
		if (type == 'F')
			rc |= isnan(vals[k]) ? abuf_puts(out, "NULL")
					     : abuf_printf(out, "%.17g", vals[k]);
		else
			rc |= vers[k] ? abuf_printf(out, "%u", (unsigned)vers[k])
				      : abuf_puts(out, "NULL");
	}
	return rc | abuf_putc(out, '}') ? ASSAY_ENOMEM : ASSAY_OK;
}
