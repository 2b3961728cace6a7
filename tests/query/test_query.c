/* test_query.c — tests for src/query/: precedence, quoting and escapes,
 * every field and operator, typed literals, the canonical printer and its
 * round trip, and every error with its column. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay/query.h"
#include "unit.h"

/* Parses src (which must parse) and returns its canonical spelling. */
static char *canon(const char *src)
{
	query_expr *e = NULL;
	assay_error err = {0};
	if (query_parse(src, strlen(src), &e, NULL, &err) < 0) {
		printf("#   parse of %s failed: %s\n", src, err.msg);
		return strdup("(error)");
	}
	char *out = query_print(e);
	query_expr *again = NULL;
	if (query_parse(out, strlen(out), &again, NULL, &err) < 0 || !query_equal(e, again)) {
		printf("#   %s does not read back as the same AST: %s\n", out, err.msg);
		unit_failed_ = 1;
	}
	query_free(again);
	query_free(e);
	return out;
}

#define CHECK_CANON(src, want)                                                                     \
	do {                                                                                       \
		char *got_ = canon(src);                                                           \
		CHECK_STR(got_, want);                                                             \
		free(got_);                                                                        \
	} while (0)

/* Parses src (which must fail) and checks the column and the message. */
static void fails_at(const char *src, size_t len, size_t col, const char *msg, int line)
{
	query_expr *e = NULL;
	assay_error err = {0};
	size_t got_col = 0;
	int rc = query_parse(src, len, &e, &got_col, &err);
	if (rc != ASSAY_EINVAL || e || got_col != col || err.code != ASSAY_EINVAL ||
	    !strstr(err.msg, msg)) {
		printf("#   line %d: rc %d, column %zu (want %zu), message: %s\n", line, rc, got_col,
		       col, err.msg);
		unit_failed_ = 1;
	}
	char head[32];
	snprintf(head, sizeof head, "column %zu: ", col);
	if (strncmp(err.msg, head, strlen(head)) != 0) {
		printf("#   line %d: message does not start with %s: %s\n", line, head, err.msg);
		unit_failed_ = 1;
	}
	query_free(e);
}
#define FAILS_AT(src, col, msg) fails_at(src, strlen(src), col, msg, __LINE__)

TEST(precedence_not_and_or)
{
	query_expr *e = NULL;
	assay_error err = {0};
	const char *src = "conflict or edited and not flagged(rep)";
	CHECK_INT(query_parse(src, strlen(src), &e, NULL, &err), 0);
	CHECK_INT(e->kind, QUERY_OR);
	CHECK_INT(e->n_kids, 2);
	CHECK_INT(e->kids[0]->kind, QUERY_PRED);
	CHECK_INT(e->kids[1]->kind, QUERY_AND);
	CHECK_INT(e->kids[1]->kids[1]->kind, QUERY_NOT);
	CHECK_STR(e->kids[1]->kids[1]->kids[0]->arg, "rep");
	CHECK_INT(e->kids[1]->col, 13);
	CHECK_INT(e->kids[1]->kids[1]->col, 24);
	query_free(e);
	CHECK_CANON("conflict or edited and not flagged(rep)",
		    "conflict or edited and not flagged(rep)");
	CHECK_CANON("(conflict or edited) and not flagged(rep)",
		    "(conflict or edited) and not flagged(rep)");
	CHECK_CANON("not (conflict or edited)", "not (conflict or edited)");
	CHECK_CANON("not not conflict", "not not conflict");
	/* a chain is one node however it was parenthesized */
	CHECK_CANON("((conflict and edited) and (edited and conflict))",
		    "conflict and edited and edited and conflict");
	CHECK_CANON("conflict AND edited Or NOT edited", "conflict and edited or not edited");
	CHECK_CANON("(((conflict)))", "conflict");
}

TEST(every_field_and_operator)
{
	CHECK_CANON("flagged(repetition)", "flagged(repetition)");
	CHECK_CANON("flagged(\"odd name\")", "flagged(\"odd name\")");
	CHECK_CANON("score.repetition<0.3", "score.repetition < 0.3");
	CHECK_CANON("score.x = 1", "score.x = 1");
	CHECK_CANON("score.x != 1", "score.x != 1");
	CHECK_CANON("score.x <= -2.5e-3", "score.x <= -0.0025");
	CHECK_CANON("score.x > .5", "score.x > 0.5");
	CHECK_CANON("score.x >= +7", "score.x >= 7");
	CHECK_CANON("quality < 0.5", "quality < 0.5");
	CHECK_CANON("learned < 0.2", "learned < 0.2");
	CHECK_CANON("meta.model = \"llava-next-34b\"", "meta.model = \"llava-next-34b\"");
	CHECK_CANON("meta.model = llava", "meta.model = \"llava\"");
	CHECK_CANON("meta.source.width >= 1600", "meta.source.width >= 1600");
	CHECK_CANON("meta.width = \"1600\"", "meta.width = \"1600\"");
	CHECK_CANON("batch = \"run-7\"", "batch = \"run-7\"");
	CHECK_CANON("batch = run-7", "batch = \"run-7\"");
	CHECK_CANON("batch = 7", "batch = \"7\"");
	CHECK_CANON("batch != x", "batch != \"x\"");
	CHECK_CANON("kind = caption", "kind = caption");
	CHECK_CANON("kind = \"response\"", "kind = response");
	CHECK_CANON("kind != undeclared", "kind != undeclared");
	CHECK_CANON("verdict = rejected", "verdict = rejected");
	CHECK_CANON("verdict = \"undecided\"", "verdict = undecided");
	CHECK_CANON("verdict != skipped", "verdict != skipped");
	CHECK_CANON("reason = \"hallucination\"", "reason = \"hallucination\"");
	CHECK_CANON("reason ~ halluc", "reason ~ \"halluc\"");
	CHECK_CANON("annotator = \"bob\"", "annotator = \"bob\"");
	CHECK_CANON("conflict", "conflict");
	CHECK_CANON("edited", "edited");
	CHECK_CANON("decided_after = 2026-12-01", "decided_after = 2026-12-01");
	CHECK_CANON("decided_before = \"2024-02-29\"", "decided_before = 2024-02-29");
	CHECK_CANON("text ~ \"seagull\"", "text ~ \"seagull\"");
	CHECK_CANON("text ~ /sea(gull|l)s?/", "text ~ /sea(gull|l)s?/");
	CHECK_CANON("text ~ /a\\/b\\.c/", "text ~ /a\\/b\\.c/");
	CHECK_CANON("text ~ /(foo|bar)+ba{2,5}[+{]+x*y?\\+/", "text ~ /(foo|bar)+ba{2,5}[+{]+x*y?\\+/");
	CHECK_CANON("text ~ /(a{10}){10}/", "text ~ /(a{10}){10}/");
}

TEST(typed_literals)
{
	query_expr *e = NULL;
	assay_error err = {0};
	const char *src = "meta.n = 12 and meta.s = \"12\" and decided_after = 1970-01-02 "
			  "and text ~ /x/ and batch = 12";
	CHECK_INT(query_parse(src, strlen(src), &e, NULL, &err), 0);
	CHECK_INT(e->kids[0]->value.type, QUERY_LIT_NUMBER);
	CHECK_NEAR(e->kids[0]->value.number, 12, 0);
	CHECK_INT(e->kids[1]->value.type, QUERY_LIT_TEXT);
	CHECK_STR(e->kids[1]->value.text, "12");
	CHECK_INT(e->kids[2]->value.type, QUERY_LIT_DATE);
	CHECK_INT(e->kids[2]->value.date, 86400000);
	CHECK_INT(e->kids[3]->value.type, QUERY_LIT_REGEX);
	CHECK_STR(e->kids[3]->value.text, "x");
	CHECK_INT(e->kids[4]->value.type, QUERY_LIT_TEXT);
	CHECK_STR(e->kids[4]->value.text, "12");
	CHECK_STR(e->kids[0]->arg, "n");
	CHECK_STR(e->kids[0]->field->name, "meta");
	query_free(e);
}

TEST(strings_and_escapes)
{
	query_expr *e = NULL;
	assay_error err = {0};
	const char *src = "text ~ \"a\\\"b\\\\c\\/d\\n\\t\\r\\u00e9\\ud83d\\ude00 x\"";
	CHECK_INT(query_parse(src, strlen(src), &e, NULL, &err), 0);
	CHECK_STR(e->value.text, "a\"b\\c/d\n\t\r\xc3\xa9\xf0\x9f\x98\x80 x");
	char *p = query_print(e);
	CHECK_STR(p, "text ~ \"a\\\"b\\\\c/d\\n\\t\\r\xc3\xa9\xf0\x9f\x98\x80 x\"");
	free(p);
	query_free(e);
	/* what could close a quote in SQL is only text here */
	CHECK_CANON("text ~ \"1=1; drop table samples\"", "text ~ \"1=1; drop table samples\"");
	CHECK_CANON("text ~ \"' or '1'='1\"", "text ~ \"' or '1'='1\"");
	CHECK_CANON("reason = \"x -- y /* z */\"", "reason = \"x -- y /* z */\"");
	/* controls reach a value only escaped, and are printed escaped */
	CHECK_CANON("text ~ \"\\u001b[2J\\u0085\\u202e\"", "text ~ \"\\u001B[2J\\u0085\\u202E\"");
	/* white space between tokens: space, tab, line breaks */
	CHECK_CANON("\tconflict\r\nor\nedited ", "conflict or edited");
	/* keywords are words only as whole words */
	CHECK_CANON("annotator = andy or annotator = \"or\"",
		    "annotator = \"andy\" or annotator = \"or\"");
	/* strings take double quotes: SQL's or the shell's single ones would be
	 * read as part of a word and match nothing, so they are refused where a
	 * token starts; inside a word or a string a quote is a character */
	FAILS_AT("reason = 'hallucination'", 10, "a single quote: a string takes double quotes");
	FAILS_AT("flagged('repetition')", 9, "a single quote");
	FAILS_AT("'conflict'", 1, "a single quote");
	CHECK_CANON("reason = don't", "reason = \"don't\"");
	CHECK_CANON("reason = \"'x'\"", "reason = \"'x'\"");
}

/* The scorers a test knows: two, as a database might add "old". */
static bool knows(void *ud, const char *name)
{
	const char *const *names = ud;
	for (size_t i = 0; names[i]; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* Parses src (which must parse) and checks its scorers with knows(). */
static int check_names(const char *src, size_t *col, assay_error *err)
{
	static const char *const names[] = {"repetition", "old", NULL};
	query_expr *e = NULL;
	if (query_parse(src, strlen(src), &e, NULL, err) < 0) {
		printf("#   parse of %s failed: %s\n", src, err->msg);
		return -100;
	}
	int rc = query_check_scorers(e, src, strlen(src), knows, (void *)names,
				     "repetition, old", col, err);
	query_free(e);
	return rc;
}

TEST(scorer_names_are_checked_by_the_caller)
{
	/* the parser takes any name: only its caller knows a database's */
	CHECK_CANON("flagged(repetiton) or score.foo > 0.5",
		    "flagged(repetiton) or score.foo > 0.5");
	size_t col = 0;
	assay_error err = {0};
	CHECK_INT(check_names("flagged(repetition) and score.old < 1 and meta.foo = 1", &col,
			      &err), 0);
	CHECK_INT(col, 0);
	CHECK_INT(check_names("conflict or not flagged(repetiton)", &col, &err), ASSAY_EINVAL);
	CHECK_INT(col, 25);
	CHECK_STR(err.msg, "column 25: no scorer named \"repetiton\" (known: repetition, old)\n"
			   "  conflict or not flagged(repetiton)\n"
			   "                          ^");
	/* the first in the order written; after a dot; quoted; after spaces */
	CHECK_INT(check_names("score.foo > 0.5 or flagged(bar)", &col, &err), ASSAY_EINVAL);
	CHECK_INT(col, 7);
	CHECK_CONTAINS(err.msg, "no scorer named \"foo\"");
	CHECK_INT(check_names("flagged( \"odd \\u00e9\" )", &col, &err), ASSAY_EINVAL);
	CHECK_INT(col, 10);
	CHECK_CONTAINS(err.msg, "column 10: no scorer named \"odd \xc3\xa9\"");
	/* columns count code points */
	CHECK_INT(check_names("meta.\xc3\xa9 = 1 or score.x\xc3\xa9 < 1", &col, &err),
		  ASSAY_EINVAL);
	CHECK_INT(col, 21);
	CHECK_CONTAINS(err.msg, "no scorer named \"x\xc3\xa9\"");
	/* a name's unprintables are shown as ? */
	CHECK_INT(check_names("flagged(\"a\\u001bb\")", &col, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "no scorer named \"a?b\"");
}

TEST(errors_point_at_their_column)
{
	FAILS_AT("score.repetition < abc", 20,
		 "expected a number after '<', got \"abc\"");
	FAILS_AT("quality < \"0.5\"", 11, "expected a number after '<', got \"0.5\"");
	FAILS_AT("quality < 1e400", 11, "(out of range)");
	FAILS_AT("quality < nan", 11, "expected a number");
	FAILS_AT("quality < 0x10", 11, "expected a number");
	FAILS_AT("", 1, "expected a field, 'not' or '(', got the end of the expression");
	FAILS_AT("   ", 4, "got the end of the expression");
	FAILS_AT("bogus = 1", 1, "unknown field \"bogus\"");
	FAILS_AT("1=1", 1, "unknown field \"1\"");
	FAILS_AT("\xc3\xa9t\xc3\xa9 = 1", 1, "unknown field \"\xc3\xa9t\xc3\xa9\"");
	/* a long name is cut by columns, never inside a character */
	FAILS_AT("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9\xc3\xa9\xc3\xa9 = 1", 1,
		 "unknown field \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9...\"");
	FAILS_AT("quality.x < 1", 8, "quality takes no '.NAME'");
	FAILS_AT("score < 1", 6, "score needs a name after the dot");
	FAILS_AT("score. < 1", 7, "score needs a name after the dot");
	FAILS_AT("meta.a..b = 1", 6, "meta needs a name after the dot");
	FAILS_AT("meta.a. = 1", 6, "meta needs a name after the dot");
	FAILS_AT("flagged", 8, "expected '(' and a scorer's name");
	FAILS_AT("flagged()", 9, "expected a scorer's name, got ')'");
	FAILS_AT("flagged(a", 10, "expected ')' after the scorer's name");
	FAILS_AT("flagged(a) = 1", 12, "flagged stands alone: it takes no '='");
	FAILS_AT("conflict = 1", 10, "conflict stands alone");
	FAILS_AT("quality", 8, "expected an operator after quality (= != < <= > >=)");
	FAILS_AT("quality 1", 9, "expected an operator after quality");
	FAILS_AT("batch < x", 7, "batch takes = !=, not '<'");
	FAILS_AT("text = x", 6, "text takes ~, not '='");
	FAILS_AT("decided_after > 2026-01-01", 15, "decided_after takes =, not '>'");
	FAILS_AT("verdict = maybe", 11,
		 "expected one of accepted, edited, rejected, skipped, undecided after '=', "
		 "got \"maybe\"");
	FAILS_AT("verdict = 1", 11, "expected one of accepted");
	FAILS_AT("kind = instruction", 8,
		 "expected one of caption, response, text, undeclared after '=', got "
		 "\"instruction\"");
	FAILS_AT("kind < caption", 6, "kind takes = !=, not '<'");
	FAILS_AT("decided_after = 2026-02-30", 17,
		 "expected a date (YYYY-MM-DD) after '=', got \"2026-02-30\"");
	FAILS_AT("decided_after = 2026-1-01", 17, "expected a date");
	FAILS_AT("decided_after = 20260101", 17, "expected a date");
	FAILS_AT("decided_before = 2025-02-29", 18, "expected a date");
	FAILS_AT("meta.x < abc", 10, "expected a number after '<', got \"abc\"");
	FAILS_AT("meta.x = /re/", 10, "expected a number or a string after '=', got /re/");
	FAILS_AT("batch = ", 9, "expected a string or a word after '=', got the end");
	FAILS_AT("batch = and", 9, "got 'and'");
	FAILS_AT("text ~ \"abc", 8, "string never closed");
	FAILS_AT("text ~ /abc", 8, "regex never closed");
	FAILS_AT("text ~ /a\\/", 8, "regex never closed");
	FAILS_AT("text ~ //", 8, "an empty regex");
	FAILS_AT("text ~ /a(/", 8, "a bad regex");
	/* what the C library's regcomp would take exponential time on */
	FAILS_AT("text ~ /x a++++++++++++++++++++++++++++++++++++++++/", 8,
		 "a regex stacked repetitions");
	/* found by the fuzz target: a timeout of 13 s in regcomp under ASan */
	FAILS_AT("text ~ /sell|2l%)++++|2l%)s?*+++++++++++/", 8, "a regex stacked repetitions");
	FAILS_AT("text ~ /a*?/", 8, "a regex stacked repetitions");
	FAILS_AT("text ~ /a{2}+/", 8, "a regex stacked repetitions");
	FAILS_AT("text ~ /((a{99}){99}){99}/", 8, "a regex too complex");
	FAILS_AT("text ~ /(a)\\1/", 8, "a regex back-references are not supported");
	/* escapes outside POSIX ERE: the C library and PostgreSQL read them
	 * differently, so both stores refuse them, the caret under the escape */
	FAILS_AT("text ~ /\\w+ull/", 9, "a regex escape \\w: a POSIX regex has no such escape");
	FAILS_AT("text ~ /gull\\b/", 13, "a regex escape \\b");
	FAILS_AT("text ~ /a\\/b\\s/", 13, "a regex escape \\s");
	FAILS_AT("text ~ /[\\w]\\d/", 13, "a regex escape \\d");
	FAILS_AT("text ~ /\\<gull/", 9, "a regex escape \\<");
	FAILS_AT("text ~ /a\\n/", 10, "a regex escape \\n");
	FAILS_AT("text ~ /((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))))/", 8,
		 "a regex groups nested too deeply");
	FAILS_AT("text ~ \"a\\qb\"", 10, "an unknown escape in a string");
	FAILS_AT("text ~ \"a\\u00\"", 10, "a bad \\u escape");
	FAILS_AT("text ~ \"\\u0000\"", 9, "a bad \\u escape");
	FAILS_AT("text ~ \"\\udc00\"", 9, "a bad \\u escape");
	FAILS_AT("text ~ \"\\ud800x\"", 9, "a bad \\u escape");
	FAILS_AT("text ~ \"a\tb\"", 10, "a tab or line break inside a string");
	FAILS_AT("text ~ \"a\\\tb\"", 11, "a tab or line break inside a string");
	FAILS_AT("text ~ /a\\\nb/", 11, "a tab or line break inside a regex");
	FAILS_AT("conflict edited", 10, "expected 'and', 'or' or the end of the expression, "
					"got \"edited\"");
	FAILS_AT("conflict)", 9, "got ')'");
	FAILS_AT("(conflict", 10, "expected ')' to close the '(' at column 1");
	FAILS_AT("conflict and", 13, "expected a field");
	FAILS_AT("conflict or or edited", 13, "got 'or'");
	FAILS_AT("not", 4, "expected a field");
	FAILS_AT("conflict ! edited", 10, "'!' on its own");
	FAILS_AT("()", 2, "expected a field, 'not' or '(', got ')'");
	/* columns count code points, not bytes */
	FAILS_AT("text ~ \"\xc3\xa9\xc3\xa9\" and x", 17, "unknown field \"x\"");
}

TEST(refused_bytes_point_at_their_column)
{
	fails_at("conflict\0or edited", 18, 9, "a NUL byte", __LINE__);
	FAILS_AT("conflict \x1b[2J", 10, "control character U+001B");
	FAILS_AT("conflict \x7f", 10, "control character U+007F");
	FAILS_AT("text ~ \"\xc2\x85\"", 9, "control character U+0085");
	FAILS_AT("text ~ \"\xff\"", 9, "not UTF-8 (byte 0xFF)");
	FAILS_AT("text ~ \"\xc3\xa9\xc3\"", 10, "not UTF-8 (byte 0xC3)");
	FAILS_AT("text ~ \"\xed\xa0\x80\"", 9, "not UTF-8"); /* a surrogate */
	FAILS_AT("text ~ \"\xc0\xaf\"", 9, "not UTF-8");     /* overlong */
}

TEST(the_message_echoes_the_expression_with_a_caret)
{
	query_expr *e = NULL;
	assay_error err = {0};
	const char *src = "score.repetition < abc";
	CHECK_INT(query_parse(src, strlen(src), &e, NULL, &err), ASSAY_EINVAL);
	CHECK_STR(err.msg, "column 20: expected a number after '<', got \"abc\"\n"
			   "  score.repetition < abc\n"
			   "                     ^");
	/* unprintable bytes are echoed as ?, one column each */
	const char *bad = "text ~ \"\x1b]0;x\x07\"";
	CHECK_INT(query_parse(bad, strlen(bad), &e, NULL, &err), ASSAY_EINVAL);
	CHECK_STR(err.msg, "column 9: control character U+001B\n"
			   "  text ~ \"?]0;x?\"\n"
			   "          ^");
	/* a long expression is cut to a window around the column */
	char longsrc[600];
	memset(longsrc, 0, sizeof longsrc);
	for (int i = 0; i < 40; i++)
		strcat(longsrc, "conflict or ");
	strcat(longsrc, "bogus");
	CHECK_INT(query_parse(longsrc, strlen(longsrc), &e, NULL, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "column 481: unknown field \"bogus\"");
	CHECK_CONTAINS(err.msg, "\n  ...r conflict or conflict");
	const char *caret = strrchr(err.msg, '\n');
	CHECK(caret && strlen(caret) == 1 + 2 + 3 + 50 + 1);
	CHECK(strlen(err.msg) < sizeof err.msg - 1);
}

TEST(limits)
{
	/* length */
	char *big = malloc(QUERY_MAX_LEN + 2);
	memset(big, ' ', QUERY_MAX_LEN + 1);
	memcpy(big, "conflict", 8);
	big[QUERY_MAX_LEN + 1] = '\0';
	fails_at(big, QUERY_MAX_LEN + 1, QUERY_MAX_LEN + 1, "longer than 4096 bytes", __LINE__);
	query_expr *e = NULL;
	assay_error err = {0};
	CHECK_INT(query_parse(big, QUERY_MAX_LEN, &e, NULL, &err), 0);
	query_free(e);
	/* compact spellings that grow a little when written out still fit */
	size_t n = 0;
	for (int i = 0; i < 200; i++)
		n += (size_t)sprintf(big + n, "%sbatch=x", i ? " or " : "");
	e = NULL;
	CHECK_INT(query_parse(big, n, &e, NULL, &err), 0); /* 2396 -> 3196 bytes */
	query_free(e);
	free(big);
	/* depth: 64 parentheses or nots, not 65 */
	char deep[400] = "";
	for (int i = 0; i < 64; i++)
		strcat(deep, i % 2 ? "(" : "not ");
	strcat(deep, "conflict");
	for (int i = 0; i < 32; i++)
		strcat(deep, ")");
	e = NULL;
	CHECK_INT(query_parse(deep, strlen(deep), &e, NULL, &err), 0);
	query_free(e);
	char deeper[400] = "(";
	strcat(deeper, deep);
	strcat(deeper, ")");
	fails_at(deeper, strlen(deeper), 2 + 4 * 32 + 31, "nested more than 64 deep", __LINE__);
	/* predicates: 256, not 257 */
	char *many = malloc(16 * 300);
	n = 0;
	for (int i = 0; i < QUERY_MAX_PREDICATES; i++)
		n += (size_t)sprintf(many + n, "%sedited", i ? " or " : "");
	CHECK_INT(query_parse(many, n, &e, NULL, &err), 0);
	query_free(e);
	n += (size_t)sprintf(many + n, " or conflict");
	fails_at(many, n, n - 7, "more than 256 predicates", __LINE__);
	free(many);
}

TEST(canonical_form_must_fit_the_limit)
{
	/* 200 x batch=abcdefghij joined by or: 3996 bytes, 5196 spelled out */
	char *src = malloc(8192);
	size_t n = 0;
	for (int i = 0; i < 200; i++)
		n += (size_t)sprintf(src + n, "%sbatch=abcdefghij", i ? " or " : "");
	CHECK_INT(n, 3996);
	query_expr *e = NULL;
	assay_error err = {0};
	size_t col = 0;
	CHECK_INT(query_parse(src, n, &e, &col, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "when written out in full");
	CHECK_INT(col, 1);
	free(src);
}

TEST(fields_are_rows)
{
	size_t n = 0;
	const query_field *f = query_fields(&n);
	CHECK(n >= 15);
	for (size_t i = 0; i < n; i++) {
		CHECK(query_field_find(f[i].name, strlen(f[i].name)) == &f[i]);
		CHECK(f[i].help && f[i].help[0]);
		CHECK((f[i].value == QUERY_VAL_NONE) == (f[i].ops == 0));
		CHECK((f[i].value == QUERY_VAL_ENUM) == (f[i].words != NULL));
	}
	CHECK(query_field_find("learned", 7) != NULL);
	CHECK(query_field_find("learn", 5) == NULL);
}

UNIT_MAIN(UNIT_CASE(precedence_not_and_or), UNIT_CASE(every_field_and_operator),
	  UNIT_CASE(typed_literals), UNIT_CASE(strings_and_escapes),
	  UNIT_CASE(errors_point_at_their_column), UNIT_CASE(refused_bytes_point_at_their_column),
	  UNIT_CASE(the_message_echoes_the_expression_with_a_caret), UNIT_CASE(limits),
	  UNIT_CASE(canonical_form_must_fit_the_limit), UNIT_CASE(fields_are_rows),
	  UNIT_CASE(scorer_names_are_checked_by_the_caller))
