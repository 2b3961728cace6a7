/* test_csv.c — the CSV field writer: placeholders for every control, the
 * formula guard on text but not on numbers, quoting, and --csv-raw. */
#include "assay/text_csv.h"
#include "unit.h"

static char *cell(const char *s, size_t n, unsigned flags)
{
	abuf b = {0};
	CHECK_INT(text_csv_cell(&b, s, n, flags), ASSAY_OK);
	return b.data ? abuf_take(&b) : strdup("");
}

#define CELL(in, flags, want)                                                  \
	do {                                                                   \
		char *got_ = cell(in, sizeof in - 1, flags);                   \
		CHECK_STR(got_, want);                                         \
		free(got_);                                                    \
	} while (0)

TEST(plain_and_quoted)
{
	CELL("ann", 0, "ann");
	CELL("", 0, "");
	CELL("a,b", 0, "\"a,b\"");
	CELL("say \"hi\"", 0, "\"say \"\"hi\"\"\"");
	CELL("two\nlines", 0, "\"two\nlines\"");
	CELL("crlf\r\nkept", 0, "\"crlf\r\nkept\"");
	CELL(" padded ", 0, "\" padded \"");
	CELL("caf\xC3\xA9 \xF0\x9F\x91\x8D", 0, "caf\xC3\xA9 \xF0\x9F\x91\x8D");
}

TEST(controls_become_placeholders)
{
	/* OSC 52 (clipboard write) and an OSC title, as a hostile caption */
	CELL("\x1b]52;c;ZXZpbA==\x07ok", 0, "^[]52;c;ZXZpbA==^Gok");
	CELL("t\x1b]0;pwned\x1b\\", 0, "t^[]0;pwned^[\\");
	CELL("a\x7f" "b", 0, "a^?b");
	CELL("nul\0byte", 0, "nul^@byte");
	CELL("over\rwrite", 0, "over^Mwrite");
	CELL("csi \xC2\x9B" "31m", 0, "csi <U+009B>31m");
	CELL("bidi \xE2\x80\xAE" "txt", 0, "bidi <U+202E>txt");
	CELL("bad \xFF byte", 0, "bad \xEF\xBF\xBD byte");
	CELL("tab\there", 0, "tab\there");
	/* nothing below 0x20 but TAB, CR, LF is left, nor DEL, nor C1 */
	for (int c = 0; c < 0x20; c++) {
		char in[3] = {'x', (char)c, 'y'};
		char *got = cell(in, 3, 0);
		for (char *p = got; *p; p++)
			CHECK((unsigned char)*p >= 0x20 || *p == '\t' || *p == '\n' || *p == '"');
		free(got);
	}
}

TEST(formula_guard_on_text)
{
	CELL("=HYPERLINK(\"http://x\")", 0, "\"'=HYPERLINK(\"\"http://x\"\")\"");
	CELL("+1", 0, "'+1");
	CELL("-2+3", 0, "'-2+3");
	CELL("@SUM(A1)", 0, "'@SUM(A1)");
	CELL("\tcmd", 0, "'\tcmd");
	CELL("\r=1", 0, "'^M=1");
	CELL("=1,2", 0, "\"'=1,2\"");
	CELL("a=b", 0, "a=b");
	/* a text column holding "-0.5" is still text */
	CELL("-0.5", 0, "'-0.5");
}

TEST(numbers_stay_numbers)
{
	CELL("-0.12", TEXT_CSV_NUMBER, "-0.12");
	CELL("3", TEXT_CSV_NUMBER, "3");
	CELL("1e-05", TEXT_CSV_NUMBER, "1e-05");
	CELL("-1.5E+10", TEXT_CSV_NUMBER, "-1.5E+10");
	/* what only looks numeric at the start is text */
	CELL("-1+2", TEXT_CSV_NUMBER, "'-1+2");
	CELL("-", TEXT_CSV_NUMBER, "'-");
	CELL("=1", TEXT_CSV_NUMBER, "'=1");
	CHECK(!text_csv_is_number("1.", 2));
	CHECK(!text_csv_is_number(".5", 2));
	CHECK(!text_csv_is_number("", 0));
	CHECK(!text_csv_is_number("1e", 2));
	CHECK(text_csv_is_number("0", 1));
}

TEST(raw_keeps_exact_bytes)
{
	CELL("\x1b[31m=red", TEXT_CSV_RAW, "\x1b[31m=red");
	CELL("=1,\x07", TEXT_CSV_RAW, "\"=1,\x07\"");
}

UNIT_MAIN(UNIT_CASE(plain_and_quoted), UNIT_CASE(controls_become_placeholders),
	  UNIT_CASE(formula_guard_on_text), UNIT_CASE(numbers_stay_numbers),
	  UNIT_CASE(raw_keeps_exact_bytes))
