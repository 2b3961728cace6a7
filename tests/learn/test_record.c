/* test_record.c — a stored record's fields (src/learn/record.c,
 * record_scan.c): the scanner that reads them from the bytes gives the
 * fields cJSON's tree gives (the reference below is the tree walk the
 * scanner replaced), on crafted records and on thousands of damaged ones. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/learn/learn_int.h"
#include "assay/learn.h"
#include "unit.h"

/* The fields as "name=value\n" lines, the way cJSON's tree gave them. */
static void reference(const char *rec, size_t len, const char *text_field, abuf *out)
{
	abuf_reset(out);
	cJSON *root = cJSON_ParseWithLength(rec, len);
	const cJSON *v, *top = cJSON_IsObject(root) ? root : NULL;
	cJSON_ArrayForEach(v, top)
	{
		if (cJSON_IsString(v) && !(text_field && strcmp(v->string, text_field) == 0)) {
			const char *k = v->string;
			size_t n = strlen(k);
			bool res = n == 0 || k[0] == '#' || k[n - 1] == '~' ||
				   strcmp(k, "text") == 0 || strchr(k, '\x1f');
			size_t at = out->len;
			abuf_printf(out, "%s%s=", res ? "field:" : "", k);
			for (size_t i = at; i < out->len; i++)
				if (out->data[i] == '\x1f')
					out->data[i] = '?';
			abuf_printf(out, "%s\n", v->valuestring);
			continue;
		}
		const cJSON *in, *obj = cJSON_IsObject(v) ? v : NULL;
		cJSON_ArrayForEach(in, obj)
		{
			if (!cJSON_IsString(in))
				continue;
			size_t at = out->len;
			abuf_printf(out, "%s.%s=", v->string, in->string);
			for (size_t i = at; i < out->len; i++)
				if (out->data[i] == '\x1f')
					out->data[i] = '?';
			abuf_printf(out, "%s\n", in->valuestring);
		}
	}
	cJSON_Delete(root);
}

/* Whether learn_record_fields gives the reference's fields (after "text"). */
static bool same(const char *rec, size_t len, learn_record *r, abuf *want, abuf *got)
{
	reference(rec, len, "caption", want);
	if (learn_record_fields(rec, len, "caption", NULL, "the text", r) < 0)
		return false;
	abuf_reset(got);
	for (size_t i = 1; i < r->n; i++)
		abuf_printf(got, "%s=%s\n", r->fields[i].name, r->fields[i].value);
	bool ok = r->n >= 1 && strcmp(r->fields[0].name, "text") == 0 &&
		  strcmp(r->fields[0].value, "the text") == 0 && want->len == got->len &&
		  (want->len == 0 || memcmp(want->data, got->data, want->len) == 0);
	for (size_t i = 1; ok && i < r->n; i++)
		ok = strlen(r->fields[i].value) == r->fields[i].len;
	if (!ok)
		fprintf(stderr, "# record %.*s\n# want %.*s# got  %.*s\n", (int)len, rec,
			(int)want->len, want->data ? want->data : "", (int)got->len,
			got->data ? got->data : "");
	return ok;
}

static const char *const crafted[] = {
	("{\"id\": \"c-1\", \"caption\": \"a cat\", \"meta\": {\"model\": \"m1\", "
	 "\"source\": {\"kind\": \"video\", \"n\": 3}, \"t\": 1.0}, \"logprob\": -0.225}"),
	"{\"instruction\":\"say \\\"hi\\\"\\n\\t\\\\ \\/ \\b\\f\\r\",\"e\":\"caf\\u00e9 \\u20ac\"}",
	"{\"smile\":\"\\ud83d\\ude00\",\"lone\":\"\\ud83d x\"}",
	"{\"low\":\"\\ude00\"}",
	"{\"nul\":\"a\\u0000b\",\"x\":\"y\"}",
	"{\"text\":\"posing\",\"#score\":\"s\",\"a~\":\"b\",\"\":\"empty\",\"k\\u001fk\":\"v\"}",
	"{\"o\":{\"k\\u001fk\":\"v\",\"text\":\"t\",\"deep\":{\"x\":\"y\"},\"arr\":[1,{\"a\":\"b\"}]}}",
	"{\"dup\":\"one\",\"dup\":\"two\",\"caption\":\"c\",\"caption\":\"d\"}",
	"{\"n\":01,\"m\":\"x\"}",
	"{\"n\":1.,\"m\":\"x\"}",
	"{\"n\":1-2,\"m\":\"x\"}",
	"{\"n\":-1e5,\"b\":true,\"c\":false,\"d\":null,\"m\":\"x\"}",
	"{\"n\":nul,\"m\":\"x\"}",
	"\xEF\xBB\xBF{\"bom\":\"x\"}",
	"  \x01\x02{ \"ws\" \t:\n\"x\" , \"y\" : [ ] , \"z\" : { } }  trailing",
	"[\"not\", \"an\", \"object\"]",
	"\"just a string\"",
	"{\"cut\":\"x",
	"{\"cut\":\"x\",",
	"{\"bad\":\"\\q\"}",
	"{\"hex\":\"\\u12G4\"}",
	"{\"raw\":\"tab\there\"}",
	"",
	"{}",
	"{\"a\":[[[[[[[[[[\"x\"]]]]]]]]]],\"b\":\"c\"}",
};

TEST(the_scanner_gives_cjsons_fields)
{
	learn_record r = {0};
	abuf want = {0}, got = {0};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(crafted); i++)
		CHECK(same(crafted[i], strlen(crafted[i]), &r, &want, &got));
	/* a raw NUL inside a string, and a record without any bytes */
	static const char nul[] = "{\"a\":\"x\0y\",\"b\":\"z\"}";
	CHECK(same(nul, sizeof nul - 1, &r, &want, &got));
	CHECK_INT(learn_record_fields(NULL, 0, "caption", NULL, "t", &r), 0);
	CHECK_INT(r.n, 1);
	learn_record_free(&r);
	abuf_free(&want);
	abuf_free(&got);
}

TEST(damaged_records_give_cjsons_fields_too)
{
	learn_record r = {0};
	abuf want = {0}, got = {0};
	static const char alphabet[] = "{}[]\":,\\u0aE.-+ \x1f\x00tfn";
	uint64_t x = 88172645463325252ull;
	size_t bad = 0;
	for (unsigned k = 0; k < 20000; k++) {
		const char *base = crafted[k % 3 ? 0 : (k / 3) % ASSAY_ARRAY_LEN(crafted)];
		char buf[512];
		size_t len = strlen(base);
		memcpy(buf, base, len);
		/* one to three bytes replaced, or the record cut short */
		for (unsigned m = 0; m < 1 + k % 3; m++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			if (len && x % 7 == 0)
				len = (size_t)(x >> 8) % len;
			else if (len)
				buf[(x >> 8) % len] = alphabet[(x >> 32) % (sizeof alphabet - 1)];
		}
		bad += !same(buf, len, &r, &want, &got);
	}
	CHECK_INT(bad, 0);
	learn_record_free(&r);
	abuf_free(&want);
	abuf_free(&got);
}

static int count(void *ud, const char *outer, size_t outer_len, const char *key,
		 size_t key_len, const char *val, size_t val_len)
{
	(void)outer, (void)outer_len, (void)key, (void)key_len, (void)val, (void)val_len;
	++*(int *)ud;
	return 1;
}

/* Well-formed records are read by the scanner itself (cJSON only for the
 * ones it gives up on): an escape, white space, nesting and arrays. */
TEST(well_formed_records_need_no_tree)
{
	abuf key = {0}, val = {0};
	int n = 0;
	for (size_t i = 0; i < 2; i++)
		CHECK_INT(learn_record_scan(crafted[i], strlen(crafted[i]), count, &n, &key, &val), 1);
	CHECK_INT(n, 5);
	const char *ws = crafted[14] + 2;
	CHECK_INT(learn_record_scan(ws, strlen(ws), count, &n, &key, &val), 1);
	CHECK_INT(n, 6);
	/* a lone surrogate fails cJSON's whole parse, \u0000 would end its
	 * string early: the tree decides */
	CHECK_INT(learn_record_scan(crafted[2], strlen(crafted[2]), count, &n, &key, &val), 0);
	CHECK_INT(learn_record_scan(crafted[4], strlen(crafted[4]), count, &n, &key, &val), 0);
	abuf_free(&key);
	abuf_free(&val);
}

UNIT_MAIN(UNIT_CASE(the_scanner_gives_cjsons_fields),
	  UNIT_CASE(well_formed_records_need_no_tree),
	  UNIT_CASE(damaged_records_give_cjsons_fields_too))
