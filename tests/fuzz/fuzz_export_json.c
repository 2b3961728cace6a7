/* fuzz_export_json.c — the export's JSON splicer on arbitrary records: the
 * first line of the input is the field path, the rest the record, placed
 * so that any read past its end faults. Spans stay inside the record; a
 * valid JSON object (strictly: RFC 8259) stays valid after the text is
 * replaced and provenance added. */
#include "assay/export.h"
#include "fuzz.h"
#include "fuzz_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size < 65 ? size : 65);
	if (!nl)
		return 0;
	size_t plen = (size_t)(nl - data);
	char path[66];
	memcpy(path, data, plen);
	path[plen] = '\0';
	if (strlen(path) != plen || plen == 0)
		return 0;
	fuzz_guard g;
	if (fuzz_guard_copy(&g, nl + 1, size - plen - 1) < 0)
		return 0;

	size_t start = 0, end = 0;
	int rc = export_json_find(g.data, g.len, path, &start, &end);
	FUZZ_CHECK(rc == ASSAY_OK || rc == ASSAY_ENOTFOUND || rc == ASSAY_EFORMAT);
	if (rc == ASSAY_OK)
		FUZZ_CHECK(start <= end && end <= g.len);

	bool valid = fuzz_strict_object(g.data, g.len);
	static const char *const texts[] = {"", "new \"text\"\n\x01 é", "}{][\\"};
	for (size_t i = 0; i < 3; i++) {
		abuf out = {0};
		assay_error err = {0};
		const char *prov = i == 1 ? NULL : "{\"verdict\":\"edited\"}";
		int w = export_rewrite(g.data, g.len, path, texts[i], prov, &out, &err);
		FUZZ_CHECK(w == ASSAY_OK || (w == ASSAY_EFORMAT && err.msg[0]));
		if (w == ASSAY_OK && valid)
			FUZZ_CHECK(fuzz_strict_object(out.data, out.len));
		abuf_free(&out);
		/* No correction: only provenance is added. */
		w = export_rewrite(g.data, g.len, path, NULL, prov, &out, &err);
		if (w == ASSAY_OK && valid)
			FUZZ_CHECK(fuzz_strict_object(out.data ? out.data : "", out.len));
		abuf_free(&out);
	}
	fuzz_guard_free(&g);
	return 0;
}
