/* test_parse.c — the line grammar: comments, sections, quoting, lists, and
 * every parse error with its file and line. */
#include "assay/conf.h"
#include "unit.h"

/* Loads text into a fresh conf named "t.conf"; returns the status and
 * leaves the message in err. */
static int load(conf **c, const char *text, assay_error *err)
{
	*c = conf_new();
	assay_error_clear(err);
	return conf_load_string(*c, "t.conf", text, strlen(text), err);
}

/* The message a text fails with (empty when it parses). */
static const char *fails(const char *text)
{
	static assay_error err;
	conf *c;
	int rc = load(&c, text, &err);
	conf_free(c);
	if (rc == 0)
		return "";
	return err.msg;
}

TEST(test_pairs_and_sections)
{
	assay_error err;
	conf *c;
	CHECK_INT(load(&c,
		       "# comment\n; another\n\ntop = 1\n[score]\nthreshold = 0.5\n"
		       "  [ weights ]  \n  gopher=1.0  \n[a.b]\nc-d_e = x\n",
		       &err),
		  0);
	CHECK_STR(conf_get(c, "top", NULL), "1");
	CHECK_STR(conf_get(c, "score.threshold", NULL), "0.5");
	CHECK_STR(conf_get(c, "weights.gopher", NULL), "1.0");
	CHECK_STR(conf_get(c, "a.b.c-d_e", NULL), "x");
	CHECK(conf_get(c, "threshold", NULL) == NULL);
	CHECK_INT(conf_count(c), 4);
	conf_free(c);
}

TEST(test_comments_only_on_their_own_line)
{
	assay_error err;
	conf *c;
	CHECK_INT(load(&c, "color = #1e1e2e ; not a comment\n  # indented comment\n", &err), 0);
	CHECK_STR(conf_get(c, "color", NULL), "#1e1e2e ; not a comment");
	CHECK_INT(conf_count(c), 1);
	conf_free(c);
}

TEST(test_values_trimmed_and_empty)
{
	assay_error err;
	conf *c;
	CHECK_INT(load(&c, "a =   spaced  out \t\nb =\nc=\"\"\nd = x=y\n", &err), 0);
	CHECK_STR(conf_get(c, "a", NULL), "spaced  out");
	CHECK_STR(conf_get(c, "b", NULL), "");
	CHECK_STR(conf_get(c, "c", NULL), "");
	CHECK_STR(conf_get(c, "d", NULL), "x=y");
	conf_free(c);
}

TEST(test_quoted_escapes)
{
	assay_error err;
	conf *c;
	CHECK_INT(load(&c,
		       "a = \"  keep  \"\nb = \"q\\\"b\\\\s\\nn\\tt\"\nc = \"# not comment\"\n"
		       "d = \"caf\xc3\xa9\"  \n",
		       &err),
		  0);
	CHECK_STR(conf_get(c, "a", NULL), "  keep  ");
	CHECK_STR(conf_get(c, "b", NULL), "q\"b\\s\nn\tt");
	CHECK_STR(conf_get(c, "c", NULL), "# not comment");
	CHECK_STR(conf_get(c, "d", NULL), "caf\xc3\xa9");
	conf_free(c);
}

TEST(test_crlf_and_bom)
{
	assay_error err;
	conf *c;
	CHECK_INT(load(&c,
		       "\xEF\xBB\xBF"
		       "a = 1\r\n[s]\r\nb = \"x\"\r\n",
		       &err),
		  0);
	CHECK_STR(conf_get(c, "a", NULL), "1");
	CHECK_STR(conf_get(c, "s.b", NULL), "x");
	conf_free(c);
	/* A BOM anywhere but the start is just text. */
	CHECK_STR(fails("a = 1\n\xEF\xBB\xBF"
			"b = 2\n"),
		  "t.conf:2: expected a key of letters, digits, '_', '-' and '.', got "
		  "\"\xEF\xBB\xBF"
		  "b\"");
}

TEST(test_empty_input)
{
	assay_error err;
	conf *c;
	CHECK_INT(load(&c, "", &err), 0);
	CHECK_INT(conf_count(c), 0);
	CHECK_INT(conf_load_string(c, "x", "\n\n  \n", 4, &err), 0);
	CHECK_INT(conf_count(c), 0);
	conf_free(c);
}

TEST(test_error_messages)
{
	CHECK_STR(fails("a = 1\n\nfoo\n"), "t.conf:3: expected \"key = value\", got \"foo\"");
	CHECK_STR(fails("= 1\n"), "t.conf:1: expected \"key = value\", got \"= 1\"");
	CHECK_STR(fails("a b = 1\n"),
		  "t.conf:1: expected a key of letters, digits, '_', '-' and '.', got \"a b\"");
	CHECK_STR(fails("a..b = 1\n"),
		  "t.conf:1: expected a key of letters, digits, '_', '-' and '.', got \"a..b\"");
	CHECK_STR(fails(".a = 1\n"),
		  "t.conf:1: expected a key of letters, digits, '_', '-' and '.', got \".a\"");
	CHECK_STR(fails("[score\n"), "t.conf:1: expected \"[section]\", got \"[score\"");
	CHECK_STR(fails("[]\n"),
		  "t.conf:1: expected a section name of letters, digits, '_', '-' and '.', "
		  "got \"[]\"");
	CHECK_STR(fails("[a b]\n"),
		  "t.conf:1: expected a section name of letters, digits, '_', '-' and '.', "
		  "got \"[a b]\"");
	CHECK_STR(fails("[s]\na = 1\n\n[t]\n[s]\na = 2\n"),
		  "t.conf:6: duplicate key \"s.a\" (first set on line 2)");
	CHECK_STR(fails("x = \"abc\n"), "t.conf:1: unterminated quote (expected a closing \")");
	CHECK_STR(fails("x = \"abc\\\"\n"), "t.conf:1: unterminated quote (expected a closing \")");
	CHECK_STR(fails("x = \"a\\qb\"\n"),
		  "t.conf:1: unknown escape \"\\q\" (expected \\\" \\\\ \\n or \\t)");
	CHECK_STR(fails("x = \"a\" b\n"),
		  "t.conf:1: expected \",\" or the end of the line after a closing quote, got "
		  "\"b\"");
	CHECK_STR(fails("x = say \"hi\"\n"),
		  "t.conf:1: expected a value quoted whole, got \"say \\\"hi\\\"\"");
	CHECK_STR(fails("a = 1\nb = caf\xc3\n"), "t.conf:2: invalid UTF-8 at column 8");
	CHECK_STR(fails("a = \xed\xa0\x80\n"), "t.conf:1: invalid UTF-8 at column 5");
	CHECK_STR(fails("a = \xc0\xaf\n"), "t.conf:1: invalid UTF-8 at column 5");
}

TEST(test_nul_byte)
{
	conf *c = conf_new();
	assay_error err;
	static const char text[] = "a = 1\nb = x\0y\n";
	CHECK_INT(conf_load_string(c, "t.conf", text, sizeof text - 1, &err), ASSAY_EFORMAT);
	CHECK_STR(err.msg, "t.conf:2: NUL byte at column 6 (expected text)");
	CHECK_INT(conf_count(c), 0);
	conf_free(c);
}

TEST(test_long_line)
{
	static char text[CONF_MAX_LINE + 64];
	/* Exactly CONF_MAX_LINE bytes (CR excluded) parse; one more does not. */
	memset(text, 'v', sizeof text);
	memcpy(text, "k = ", 4);
	memcpy(text + CONF_MAX_LINE, "\r\n", 3);
	conf *c = conf_new();
	assay_error err;
	CHECK_INT(conf_load_string(c, "t.conf", text, strlen(text), &err), 0);
	CHECK_INT(strlen(conf_get(c, "k", "")), CONF_MAX_LINE - 4);
	conf_free(c);
	memcpy(text + CONF_MAX_LINE, "v\n", 3);
	CHECK_STR(fails(text), "t.conf:1: line longer than 4096 bytes");
}

TEST(test_file_and_entry_caps)
{
	abuf b = {0};
	for (int i = 0; i < CONF_MAX_ENTRIES; i++)
		abuf_printf(&b, "k%d = %d\n", i, i);
	conf *c = conf_new();
	assay_error err;
	CHECK_INT(conf_load_string(c, "t.conf", b.data, b.len, &err), 0);
	CHECK_INT(conf_count(c), CONF_MAX_ENTRIES);
	CHECK_STR(conf_get(c, "k9999", NULL), "9999");
	conf_free(c);
	abuf_puts(&b, "# more\nextra = 1\n");
	CHECK_STR(fails(b.data), "t.conf:10002: too many entries (the limit is 10000)");
	abuf_reset(&b);
	while (b.len <= CONF_MAX_FILE)
		abuf_puts(&b, "# padding padding padding padding padding padding padding\n");
	CHECK_STR(fails(b.data), "t.conf: file larger than 1048576 bytes (1 MiB)");
	abuf_free(&b);
}

TEST(test_hostile_text_in_messages)
{
	/* Control and bidi characters in the echoed text are escaped. */
	CHECK_STR(fails("\x1b[31m\n"), "t.conf:1: expected \"key = value\", got \"\\u001b[31m\"");
	CHECK_STR(fails("ab\xe2\x80\xae"
			"cd\n"),
		  "t.conf:1: expected \"key = value\", got \"ab\\u202ecd\"");
	/* Long text is cut. */
	char line[200];
	memset(line, 'x', sizeof line);
	line[198] = '\n';
	line[199] = '\0';
	CHECK_STR(fails(line), "t.conf:1: expected \"key = value\", got "
			       "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\"");
}

TEST(test_failed_load_leaves_conf_unchanged)
{
	conf *c = conf_new();
	assay_error err;
	CHECK_INT(conf_load_string(c, "a.conf", "x = 1\n", 6, &err), 0);
	const char *bad = "x = 2\ny = 3\nbroken\n";
	CHECK_INT(conf_load_string(c, "b.conf", bad, strlen(bad), &err), ASSAY_EFORMAT);
	CHECK_STR(err.msg, "b.conf:3: expected \"key = value\", got \"broken\"");
	CHECK_STR(conf_get(c, "x", NULL), "1");
	CHECK(!conf_has(c, "y"));
	CHECK_INT(conf_count(c), 1);
	conf_free(c);
}

/* Splits key's value from text; the items joined by '|'. */
static const char *list_of(const char *text)
{
	static char out[sizeof(assay_error) + 64];
	assay_error err;
	conf *c;
	char **items;
	size_t n;
	out[0] = '\0';
	if (load(&c, text, &err) != 0) {
		snprintf(out, sizeof out, "error: %s", err.msg);
		conf_free(c);
		return out;
	}
	CHECK_INT(conf_get_list(c, "k", &items, &n), 0);
	for (size_t i = 0; i < n; i++) {
		strncat(out, "[", sizeof out - strlen(out) - 1);
		strncat(out, items[i], sizeof out - strlen(out) - 1);
		strncat(out, "]", sizeof out - strlen(out) - 1);
	}
	conf_list_free(items, n);
	conf_free(c);
	return out;
}

TEST(test_lists)
{
	CHECK_STR(list_of("k = hallucination, factual error, other\n"),
		  "[hallucination][factual error][other]");
	CHECK_STR(list_of("k = one\n"), "[one]");
	CHECK_STR(list_of("k =\n"), "");
	CHECK_STR(list_of("k = \"a, b\", c ,\"\" , \" d \"\n"), "[a, b][c][][ d ]");
	CHECK_STR(list_of("k = a,,b,\n"), "[a][b]");
	CHECK_STR(list_of("k = \"x\\\"y,z\"\n"), "[x\"y,z]");
	CHECK_STR(list_of("k = a, \"b\n"),
		  "error: t.conf:1: unterminated quote (expected a closing \")");
	CHECK_STR(list_of("k = a, \"b\" c\n"),
		  "error: t.conf:1: expected \",\" or the end of the line after a closing "
		  "quote, got \"c\"");
	CHECK_STR(list_of("other = 1\n"), "");
}

TEST(test_list_scalar_forms)
{
	assay_error err;
	conf *c;
	CHECK_INT(load(&c, "a = \"x, y\"\nb = x, y\nc = \"x\", \"y\"\n", &err), 0);
	/* One quoted item is unquoted; anything else reads as written. */
	CHECK_STR(conf_get(c, "a", NULL), "x, y");
	CHECK_STR(conf_get(c, "b", NULL), "x, y");
	CHECK_STR(conf_get(c, "c", NULL), "\"x\", \"y\"");
	conf_free(c);
}

UNIT_MAIN(UNIT_CASE(test_pairs_and_sections), UNIT_CASE(test_comments_only_on_their_own_line),
	  UNIT_CASE(test_values_trimmed_and_empty), UNIT_CASE(test_quoted_escapes),
	  UNIT_CASE(test_crlf_and_bom), UNIT_CASE(test_empty_input), UNIT_CASE(test_error_messages),
	  UNIT_CASE(test_nul_byte), UNIT_CASE(test_long_line), UNIT_CASE(test_file_and_entry_caps),
	  UNIT_CASE(test_hostile_text_in_messages),
	  UNIT_CASE(test_failed_load_leaves_conf_unchanged), UNIT_CASE(test_lists),
	  UNIT_CASE(test_list_scalar_forms))
