/* fuzz_llm.c — the LLM answer parsers on arbitrary bodies (placed so that
 * any read past the end faults): the judge's verdict (score in [0,1], a
 * reason free of C0 controls that fits its buffer), the suggestion text, and the
 * rubric template rendered over the body as a record. An answer accepted is
 * strict JSON (the strict reader's oracle, SQLite), and the configured key
 * (FUZZ_KEY, seeded in corpus/llm/echo_*) never comes out of a parser, in a
 * reason, a suggestion or a message. */
#include "assay/score.h"
#include "fuzz.h"
#include "fuzz_json.h"

#define FUZZ_KEY "kq-fuzz-0123456789-SECRET"

/* No C0 control, ESC or DEL (C1 and bidi controls are kept in the stored
 * reason; every display path draws them as placeholders). */
static bool inert(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setenv("ASSAY_API_KEY", FUZZ_KEY, 1);
	fuzz_guard g;
	if (fuzz_guard_copy(&g, data, size) < 0)
		return 0;
	double v = -1;
	char reason[81];
	memset(reason, 'x', sizeof reason);
	assay_error err = {0};
	int rc = score_judge_parse(g.data, g.len, &v, reason, 80, &err);
	if (rc == ASSAY_OK) {
		FUZZ_CHECK(v >= 0 && v <= 1);
		FUZZ_CHECK(memchr(reason, '\0', 80) != NULL && reason[80] == 'x');
		FUZZ_CHECK(inert(reason));
		FUZZ_CHECK(fuzz_strict_object(g.data, g.len));
		FUZZ_CHECK(!strstr(reason, FUZZ_KEY));
	} else {
		FUZZ_CHECK(err.msg[0]);
		FUZZ_CHECK(!strstr(err.msg, FUZZ_KEY));
	}
	abuf out = {0};
	err.msg[0] = '\0';
	rc = score_suggest_parse(g.data, g.len, &out, &err);
	FUZZ_CHECK(rc == ASSAY_OK || err.msg[0]);
	FUZZ_CHECK(rc != ASSAY_OK || (fuzz_strict_object(g.data, g.len) && out.len == strlen(out.data) &&
				      !strstr(out.data, FUZZ_KEY)));
	FUZZ_CHECK(!strstr(err.msg, FUZZ_KEY));
	abuf_free(&out);
	/* The body as a record under a template naming fields. */
	abuf prompt = {0};
	rc = score_render_prompt("Rate {{text}} for {{meta.model}} ({{meta.x.y}}{{}}{{text", "t", 1,
				 g.data, g.len, &prompt);
	FUZZ_CHECK(rc == ASSAY_OK || rc == ASSAY_ENOMEM);
	abuf_free(&prompt);
	fuzz_guard_free(&g);
	return 0;
}
