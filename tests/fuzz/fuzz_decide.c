/* fuzz_decide.c — the strict JSON reader (ingest_json_parse) and the
 * decide --from line reader on arbitrary bytes. SQLite's JSON functions are
 * the oracle: what the reader accepts is strict JSON to SQLite too, and
 * every string of a decision is exactly the one SQLite decodes (same bytes,
 * same length: nothing cut at a NUL), within its documented limit. */
#include <cjson/cJSON.h>

#include "assay/ingest.h"
#include "assay/limits.h"
#include "fuzz.h"
#include "fuzz_json.h"

/* SQLite's decoding of $.key in s, or NULL when it is not a string. */
static const char *sqlite_string(const char *s, size_t n, const char *key, int *len)
{
	static sqlite3 *db;
	static sqlite3_stmt *st;
	if (!st && (sqlite3_open(":memory:", &db) != SQLITE_OK ||
		    sqlite3_prepare_v2(db, "SELECT CASE json_type(?1, ?2) WHEN 'text' THEN "
					   "json_extract(?1, ?2) END",
				       -1, &st, NULL) != SQLITE_OK))
		abort();
	char path[32];
	snprintf(path, sizeof path, "$.\"%s\"", key);
	sqlite3_reset(st);
	sqlite3_bind_text64(st, 1, n ? s : "", n, SQLITE_STATIC, SQLITE_UTF8);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) != SQLITE_TEXT)
		return NULL;
	*len = sqlite3_column_bytes(st, 0);
	return (const char *)sqlite3_column_text(st, 0);
}

static void same_string(const char *line, size_t n, const char *key, const char *got,
			size_t max)
{
	int len = 0;
	const char *want = sqlite_string(line, n, key, &len);
	if (!got) {
		FUZZ_CHECK(!want);
		return;
	}
	FUZZ_CHECK(want && (size_t)len == strlen(got) && memcmp(want, got, (size_t)len) == 0);
	FUZZ_CHECK(strlen(got) <= max);
}

/* The same structure, keys and strings (numbers may print differently:
 * 1e400 reads as infinity, printed as null). */
static bool same_strings(const cJSON *a, const cJSON *b)
{
	if (!a || !b)
		return a == b;
	if (cJSON_IsNumber(a) || cJSON_IsNumber(b))
		return true;
	if ((a->type & 0xFF) != (b->type & 0xFF))
		return false;
	if (cJSON_IsString(a) && strcmp(a->valuestring, b->valuestring) != 0)
		return false;
	if ((a->string || b->string) && (!a->string || !b->string || strcmp(a->string, b->string)))
		return false;
	const cJSON *x = a->child, *y = b->child;
	for (; x && y; x = x->next, y = y->next)
		if (!same_strings(x, y))
			return false;
	return !x && !y;
}

/* Every string of an accepted tree is whole: printed and read back, the
 * strings are the same. */
static void round_trip(const cJSON *v)
{
	char *s = cJSON_PrintUnformatted(v);
	FUZZ_CHECK(s);
	char why[300];
	cJSON *back = NULL;
	FUZZ_CHECK(ingest_json_parse(s, strlen(s), &back, why, sizeof why) == ASSAY_OK);
	FUZZ_CHECK(same_strings(v, back));
	cJSON_Delete(back);
	cJSON_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_guard g;
	if (fuzz_guard_copy(&g, data, size) < 0)
		return 0;
	char why[300];
	cJSON *v = NULL;
	int rc = ingest_json_parse(g.data, g.len, &v, why, sizeof why);
	FUZZ_CHECK(rc == ASSAY_OK || (rc == ASSAY_EFORMAT && why[0]));
	if (rc == ASSAY_OK) {
		FUZZ_CHECK(!cJSON_IsObject(v) || fuzz_strict_object(g.data, g.len));
		round_trip(v);
	}
	cJSON_Delete(v);
	ingest_decision d;
	rc = ingest_decision_parse(g.data, g.len, &d, why, sizeof why);
	FUZZ_CHECK(rc == ASSAY_OK || (rc == ASSAY_EFORMAT && why[0]));
	if (rc == ASSAY_OK) {
		FUZZ_CHECK(fuzz_strict_object(g.data, g.len));
		bool note = d.verdict && strcmp(d.verdict, "note") == 0;
		if (d.id != d.id_buf)
			same_string(g.data, g.len, "id", d.id, ASSAY_ID_MAX);
		same_string(g.data, g.len, "verdict", d.verdict, SIZE_MAX);
		same_string(g.data, g.len, "reason", d.reason, ASSAY_REASON_MAX);
		same_string(g.data, g.len, "text", d.text, note ? ASSAY_NOTE_MAX : ASSAY_EDIT_MAX);
		same_string(g.data, g.len, "annotator", d.annotator, ASSAY_ANNOTATOR_MAX);
		same_string(g.data, g.len, "batch", d.batch, ASSAY_BATCH_MAX);
		ingest_decision_free(&d);
	}
	fuzz_guard_free(&g);
	return 0;
}
