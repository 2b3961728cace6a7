/* test_detail.c — the learned scorer's detail (src/learn/detail.c) is the
 * very bytes cJSON_PrintUnformatted gives for the same object, for the
 * numbers, the reasons and the sizes a sample can bring. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/learn.h"
#include "unit.h"

/* The detail as it was made with cJSON: the object with the reason when
 * that fits, else without, else "". */
static void with_cjson(double p, int64_t model, const char *reason, char *buf, size_t size)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "p_reject", round(p * 1e4) / 1e4);
	cJSON_AddNumberToObject(o, "model", (double)model);
	char *text = cJSON_PrintUnformatted(o);
	if (reason)
		cJSON_AddStringToObject(o, "reason", reason);
	char *with = reason ? cJSON_PrintUnformatted(o) : NULL;
	const char *pick = with && strlen(with) < size ? with : text;
	snprintf(buf, size, "%s", strlen(pick) < size ? pick : "");
	free(text);
	free(with);
	cJSON_Delete(o);
}

static int compared;

static void same(double p, int64_t model, const char *reason, size_t size)
{
	char want[512], got[512];
	abuf scratch = {0};
	with_cjson(p, model, reason, want, size);
	CHECK_INT(learn_detail_json(p, model, reason, got, size, &scratch), 0);
	CHECK_STR(got, want);
	abuf_free(&scratch);
	compared++;
}

TEST(detail_is_what_cjson_prints)
{
	const double ps[] = {0, 1, 0.5, 1e-9, 0.00005, 0.00004999, 0.99995, 0.1234567, 1.0 / 3,
			     2.0 / 3, 0.07, 0.7, 0.0001, 0.9999, NAN, INFINITY, -0.25, 1e300,
			     /* more digits than 15: printed with 17 */
			     1234567890123.4567, 98765.43219876};
	const char *reasons[] = {NULL, "", "hallucination", "say \"no\"", "back\\slash",
				 "tab\there\nnew\rline\bb\ff", "\x01\x1f\x7f", "caf\xc3\xa9 \xe2\x9c\x93",
				 "a reason long enough that the whole would not fit into a small "
				 "buffer of one hundred and sixty bytes, so it must be left out of it"};
	const int64_t models[] = {1, 7, 123456, 2147483647, 2147483648LL, -3};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(ps); i++)
		for (size_t j = 0; j < ASSAY_ARRAY_LEN(reasons); j++)
			for (size_t k = 0; k < ASSAY_ARRAY_LEN(models); k++) {
				same(ps[i], models[k], reasons[j], 160);
				same(ps[i], models[k], reasons[j], 40);
				same(ps[i], models[k], reasons[j], 8);
			}
	/* every probability on a fine grid, as the scorer rounds them */
	for (int i = 0; i <= 20000; i++)
		same(i / 20000.0 + 1e-7 * (i % 3), 2, "other", 160);
	CHECK(compared > 20000);
}

UNIT_MAIN(UNIT_CASE(detail_is_what_cjson_prints))
