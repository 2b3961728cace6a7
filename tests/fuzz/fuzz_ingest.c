/* fuzz_ingest.c — the import readers (JSONL, JSON array, CSV; FUZZ_FORMAT
 * picks one) over an in-memory file, and the record check on every record
 * they yield: never a crash, and every accepted text is valid UTF-8. */
#include <cjson/cJSON.h>
#include <sys/mman.h>

#include "../../src/ingest/ingest_int.h"
#include "../../src/ingest/record.h"
#include "assay/text.h"
#include "fuzz.h"
#include "fuzz_json.h"

#ifndef FUZZ_FORMAT
#define FUZZ_FORMAT "jsonl"
#endif

/* An in-memory file the reader can read(2) like any other. */
static int memfile(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	size_t done = 0;
	while (done < size) {
		ssize_t w = write(fd, data + done, size - done);
		if (w <= 0)
			abort();
		done += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

static int open_format(reader *r, assay_error *err)
{
	if (strcmp(FUZZ_FORMAT, "csv") == 0)
		return reader_csv(r, err);
	if (strcmp(FUZZ_FORMAT, "json") == 0)
		return reader_json(r, err);
	return reader_jsonl(r, err);
}

/* Checks what import would store for one record. */
static void take(const record *rec, abuf *scratch)
{
	if (rec->error[0])
		return;
	FUZZ_CHECK(rec->raw != NULL || rec->len == 0);
	rec_options o = {.qualifier = rec->line % 2 ? "fuzz" : NULL, .scratch = scratch};
	rec_fields f;
	char why[512];
	if (rec_parse(rec->raw, rec->len, &o, rec->line, &f, why, sizeof why) == ASSAY_OK) {
		FUZZ_CHECK(f.text && f.text_len > 0);
		FUZZ_CHECK(text_utf8_valid(f.text, f.text_len, NULL));
		FUZZ_CHECK(f.id && f.id[0]);
		/* without a context the key is the normalized text's hash (with
		 * one, the context's texts are chained in before it) */
		FUZZ_CHECK(f.context_arr || f.hash == text_normalized_hash(f.text, f.text_len, scratch));
#ifdef FUZZ_STRICT_JSON
		/* Every record import keeps is strict JSON (RFC 8259). */
		FUZZ_CHECK(fuzz_strict_object(rec->raw, rec->len));
#endif
	} else {
		FUZZ_CHECK(why[0]);
	}
	rec_fields_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Some inputs run with a tiny --max-line to reach the over-long paths. */
	size_t max = size % 4 == 3 ? 48 : INGEST_DEFAULT_MAX_LINE;
	src s = {.name = "fuzz", .fd = memfile(data, size), .close_fd = true,
		 .total = (int64_t)size};
	reader r = {0};
	abuf scratch = {0};
	assay_error err = {0};
	int rc = rd_init(&r.in, &s, max, &err);
	if (rc == ASSAY_OK)
		rc = sniff_binary(&r.in, s.name, &err);
	if (rc == ASSAY_OK) {
		skip_bom(&r.in);
		rc = open_format(&r, &err);
	}
	record rec;
	int64_t n = 0;
	while (rc == ASSAY_OK && (rc = r.ops->next(&r, &rec, &err)) == 1) {
		FUZZ_CHECK(++n <= (int64_t)size + 1);
		take(&rec, &scratch);
		rc = ASSAY_OK;
	}
	if (rc < 0)
		FUZZ_CHECK(err.msg[0]);
	if (r.ops)
		r.ops->free(&r);
	abuf_free(&r.scratch);
	abuf_free(&scratch);
	rd_free(&r.in);
	src_close(&s);
	return 0;
}
