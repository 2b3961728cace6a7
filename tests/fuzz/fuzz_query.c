/* fuzz_query.c — the --where parser over arbitrary bytes: no crash; an
 * error is ASSAY_EINVAL (or ENOMEM) with a column inside the input (at
 * most one past its last code point) that its message names; an AST
 * prints to a canonical form that parses back to the same AST and prints
 * the same again, holds no control character and fits the length limit. */
#include <stdio.h>
#include <string.h>

#include "assay/query.h"
#include "assay/text.h"
#include "fuzz.h"

/* Columns in the input: one per code point, an invalid byte counting one. */
static size_t columns(const char *s, size_t n)
{
	size_t cols = 0;
	for (size_t i = 0; i < n; cols++) {
		uint32_t cp;
		bool valid;
		i += text_utf8_next(s + i, n - i, &cp, &valid);
	}
	return cols;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_guard g;
	if (fuzz_guard_copy(&g, data, size) < 0)
		return 0;
	query_expr *e = NULL;
	assay_error err = {0};
	size_t col = 0;
	int rc = query_parse(g.data, g.len, &e, &col, &err);
	if (rc < 0) {
		FUZZ_CHECK(rc == ASSAY_EINVAL || rc == ASSAY_ENOMEM);
		FUZZ_CHECK(!e && err.code == rc);
		if (rc == ASSAY_EINVAL) {
			char head[40];
			snprintf(head, sizeof head, "column %zu: ", col);
			FUZZ_CHECK(col >= 1 && col <= columns(g.data, g.len) + 1);
			FUZZ_CHECK(strncmp(err.msg, head, strlen(head)) == 0);
			FUZZ_CHECK(text_utf8_valid(err.msg, strlen(err.msg), NULL));
			for (const char *p = err.msg; *p; p++)
				FUZZ_CHECK((unsigned char)*p >= 0x20 || *p == '\n');
		}
		fuzz_guard_free(&g);
		return 0;
	}
	char *once = query_print(e);
	FUZZ_CHECK(once != NULL);
	size_t n = strlen(once);
	FUZZ_CHECK(n <= QUERY_MAX_LEN && text_utf8_valid(once, n, NULL));
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)once[i] >= 0x20 && once[i] != 0x7f);
	query_expr *again = NULL;
	rc = query_parse(once, n, &again, NULL, &err);
	if (rc != ASSAY_OK)
		fprintf(stderr, "canonical form %s does not parse: %s\n", once, err.msg);
	FUZZ_CHECK(rc == ASSAY_OK);
	FUZZ_CHECK(query_equal(e, again));
	char *twice = query_print(again);
	FUZZ_CHECK(twice && strcmp(once, twice) == 0);
	free(twice);
	free(once);
	query_free(again);
	query_free(e);
	fuzz_guard_free(&g);
	return 0;
}
