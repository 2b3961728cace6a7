/* fuzz_classifier.c — the classifier answer parser (/predict: [{label,
 * score}] or [[...]]) on arbitrary bodies; the first line of the input is
 * the label asked for. A score found is a finite number; the configured key
 * (FUZZ_KEY, seeded in corpus/classifier/echo_*) never reaches a message. */
#include <math.h>

#include "assay/score.h"
#include "fuzz.h"

#define FUZZ_KEY "kq-fuzz-0123456789-SECRET"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setenv("OPENAI_API_KEY", FUZZ_KEY, 1);
	const uint8_t *nl = memchr(data, '\n', size < 33 ? size : 33);
	if (!nl)
		return 0;
	char label[34];
	size_t n = (size_t)(nl - data);
	memcpy(label, data, n);
	label[n] = '\0';
	fuzz_guard g;
	if (fuzz_guard_copy(&g, nl + 1, size - n - 1) < 0)
		return 0;
	double score = NAN;
	assay_error err = {0};
	int rc = score_classifier_parse(g.data, g.len, label, &score, &err);
	if (rc == ASSAY_OK)
		FUZZ_CHECK(isfinite(score));
	else
		FUZZ_CHECK(err.msg[0]);
	FUZZ_CHECK(!strstr(err.msg, FUZZ_KEY));
	fuzz_guard_free(&g);
	return 0;
}
