/* test_common.c — tests for src/common/common.c: errors and the byte buffer. */
#include "assay/common.h"
#include "unit.h"

TEST(fail_sets_code_and_message)
{
	assay_error e = {0};
	int rc = assay_fail(&e, ASSAY_EFORMAT, "%s:%d: bad", "f.jsonl", 3);
	CHECK_INT(rc, ASSAY_EFORMAT);
	CHECK_INT(e.code, ASSAY_EFORMAT);
	CHECK_STR(e.msg, "f.jsonl:3: bad");
	assay_error_prefix(&e, "import %s", "x");
	CHECK_STR(e.msg, "import x: f.jsonl:3: bad");
	CHECK_INT(assay_fail(NULL, ASSAY_EIO, "ignored"), ASSAY_EIO);
}

TEST(strstatus_names_every_code)
{
	for (int c = 0; c >= ASSAY_EPARTIAL; c--)
		CHECK(strcmp(assay_strstatus(c), "unknown error") != 0);
	CHECK_STR(assay_strstatus(42), "unknown error");
}

TEST(abuf_grows_and_takes)
{
	abuf b = {0};
	for (int i = 0; i < 1000; i++)
		CHECK_INT(abuf_printf(&b, "%d,", i), 0);
	CHECK_INT(b.len, 3890);
	CHECK(strncmp(b.data, "0,1,2,", 6) == 0);
	abuf_reset(&b);
	CHECK_INT(b.len, 0);
	CHECK_STR(b.data, "");
	abuf_puts(&b, "ab");
	abuf_putc(&b, 'c');
	char *s = abuf_take(&b);
	CHECK_STR(s, "abc");
	CHECK(b.data == NULL);
	free(s);
	s = abuf_take(&b);
	CHECK_STR(s, "");
	free(s);
	abuf_free(&b);
}

TEST(strndup_terminates)
{
	char *s = assay_strndup("hello", 3);
	CHECK_STR(s, "hel");
	free(s);
	CHECK(assay_strdup(NULL) == NULL);
}

TEST(clocks_move_forward)
{
	int64_t a = assay_mono_ns(), b = assay_mono_ns();
	CHECK(b >= a);
	CHECK(assay_now_ms() > 1600000000000LL);
}

UNIT_MAIN(UNIT_CASE(fail_sets_code_and_message),
	  UNIT_CASE(strstatus_names_every_code), UNIT_CASE(abuf_grows_and_takes),
	  UNIT_CASE(strndup_terminates), UNIT_CASE(clocks_move_forward))
