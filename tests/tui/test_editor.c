/* test_editor.c — unit tests for the built-in editor's pure model
 * (src/tui/edbuf.c, edbuf_edit.c): clusters, columns, moves, kills, paste
 * cleaning, undo, and a random-edit invariant check. */
#include <stdint.h>
#include <time.h>

#include "../../src/tui/editor.h"
#include "unit.h"

#define FAMILY	"\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7"
#define FLAG_FR "\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7"
#define FLAG_DE "\xF0\x9F\x87\xA9\xF0\x9F\x87\xAA"
#define ACUTE	"\xCC\x81"
#define NIHON	"\xE6\x97\xA5\xE6\x9C\xAC" /* two wide CJK characters */
#define GO	"\xE8\xAA\x9E"		   /* one more */
#define THUMB	"\xF0\x9F\x91\x8D"
#define HEART	"\xE2\x9D\xA4\xEF\xB8\x8F"

static tui_edbuf mk(const char *s, int width)
{
	tui_edbuf b;
	if (tui_edbuf_init(&b, s, strlen(s), width) != ASSAY_OK)
		abort();
	return b;
}

static const char *txt(const tui_edbuf *b)
{
	return tui_edbuf_text(b, NULL);
}

static int col_of(tui_edbuf *b)
{
	size_t row;
	int col;
	CHECK_INT(tui_edbuf_cursor_pos(b, &row, &col), ASSAY_OK);
	return col;
}

static size_t row_of(tui_edbuf *b)
{
	size_t row;
	int col;
	CHECK_INT(tui_edbuf_cursor_pos(b, &row, &col), ASSAY_OK);
	return row;
}

/* True when the cursor is at a cell start or the end of the text. */
static bool on_boundary(tui_edbuf *b)
{
	if (tui_edbuf_layout(b) != ASSAY_OK)
		return false;
	if (b->cur == b->text.len)
		return true;
	for (size_t i = 0; i < b->cells.n; i++)
		if (b->cells.v[i].off == b->cur)
			return true;
	return false;
}

TEST(empty_text)
{
	tui_edbuf b = mk("", 10);
	CHECK_STR(txt(&b), "");
	CHECK_INT(b.cur, 0);
	tui_edbuf_left(&b);
	tui_edbuf_right(&b);
	tui_edbuf_word_left(&b);
	tui_edbuf_word_right(&b);
	tui_edbuf_vertical(&b, 1);
	tui_edbuf_vertical(&b, -1);
	CHECK_INT(tui_edbuf_backspace(&b), ASSAY_OK);
	CHECK_INT(tui_edbuf_delete(&b), ASSAY_OK);
	CHECK_INT(tui_edbuf_kill_word(&b), ASSAY_OK);
	CHECK_INT(tui_edbuf_kill_end(&b), ASSAY_OK);
	CHECK_INT(tui_edbuf_kill_start(&b), ASSAY_OK);
	CHECK_STR(txt(&b), "");
	CHECK_INT(b.cur, 0);
	CHECK_INT(row_of(&b), 0);
	CHECK_INT(col_of(&b), 0);
	CHECK(!tui_edbuf_changed(&b));
	CHECK_INT(tui_edbuf_undo(&b), ASSAY_ECONFLICT);
	CHECK_INT(tui_edbuf_insert_cp(&b, 'a'), ASSAY_OK);
	CHECK_STR(txt(&b), "a");
	CHECK(tui_edbuf_changed(&b));
	tui_edbuf_free(&b);
	tui_edbuf_init(&b, NULL, 0, 5); /* NULL text is empty text */
	CHECK_STR(txt(&b), "");
	tui_edbuf_free(&b);
}

TEST(insert_at_start_middle_end)
{
	tui_edbuf b = mk("bd", 10);
	tui_edbuf_insert_cp(&b, 'a');
	CHECK_STR(txt(&b), "abd");
	CHECK_INT(b.cur, 1);
	tui_edbuf_right(&b);
	tui_edbuf_insert_cp(&b, 'c');
	CHECK_STR(txt(&b), "abcd");
	tui_edbuf_bottom(&b);
	tui_edbuf_insert(&b, "e\xE2\x82\xAC", 4); /* e and the euro sign */
	CHECK_STR(txt(&b), "abcde\xE2\x82\xAC");
	CHECK_INT(b.cur, 8);
	/* Typed controls other than LF and TAB, surrogates and out-of-range
	 * code points are ignored. */
	tui_edbuf_insert_cp(&b, 0x1b);
	tui_edbuf_insert_cp(&b, 0x7f);
	tui_edbuf_insert_cp(&b, 0x9b);
	tui_edbuf_insert_cp(&b, 0xD800);
	tui_edbuf_insert_cp(&b, 0x110000);
	CHECK_STR(txt(&b), "abcde\xE2\x82\xAC");
	tui_edbuf_insert_cp(&b, '\t');
	tui_edbuf_insert_cp(&b, '\n');
	CHECK_STR(txt(&b), "abcde\xE2\x82\xAC\t\n");
	tui_edbuf_free(&b);
}

/* The cursor steps over what the screen shows: a cluster, or each emoji of
 * a ZWJ sequence and each joiner (drawn as <U+200D>) on its own. */
TEST(moves_over_whole_cells)
{
	tui_edbuf b = mk("e" ACUTE "x" FAMILY FLAG_FR FLAG_DE NIHON, 80);
	size_t want[] = {0, 3, 4, 8, 11, 15, 18, 22, 30, 38, 41, 44};
	int cols[] = {0, 1, 2, 4, 12, 14, 22, 24, 26, 28, 30, 32};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(want); i++) {
		CHECK_INT(b.cur, want[i]);
		CHECK_INT(col_of(&b), cols[i]);
		tui_edbuf_right(&b);
	}
	CHECK_INT(b.cur, b.text.len); /* stays at the end */
	for (size_t i = ASSAY_ARRAY_LEN(want) - 1; i > 0; i--) {
		tui_edbuf_left(&b);
		CHECK_INT(b.cur, want[i - 1]);
	}
	tui_edbuf_left(&b);
	CHECK_INT(b.cur, 0);
	/* Backspace and Delete remove whole cells. */
	tui_edbuf_bottom(&b);
	tui_edbuf_left(&b);
	tui_edbuf_left(&b);
	tui_edbuf_backspace(&b); /* the German flag */
	CHECK_STR(txt(&b), "e" ACUTE "x" FAMILY FLAG_FR NIHON);
	tui_edbuf_left(&b);
	tui_edbuf_delete(&b); /* the French flag */
	CHECK_STR(txt(&b), "e" ACUTE "x" FAMILY NIHON);
	tui_edbuf_left(&b);
	tui_edbuf_delete(&b);	 /* the girl */
	tui_edbuf_backspace(&b); /* the joiner before her */
	CHECK_STR(txt(&b), "e" ACUTE "x\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9" NIHON);
	tui_edbuf_top(&b);
	tui_edbuf_delete(&b);
	CHECK_STR(txt(&b), "x\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9" NIHON);
	tui_edbuf_free(&b);
}

TEST(cursor_column_with_wide_tab_and_placeholders)
{
	tui_edbuf b = mk("a" NIHON "b", 80);
	tui_edbuf_right(&b);
	tui_edbuf_right(&b);
	CHECK_INT(col_of(&b), 3);
	tui_edbuf_free(&b);
	b = mk("\tx", 80);
	tui_edbuf_right(&b);
	CHECK_INT(col_of(&b), 8);
	tui_edbuf_free(&b);
	/* ESC shows as "^[" (2 columns), U+202E as "<U+202E>" (8) */
	b = mk("\x1b"
	       "x\xE2\x80\xAEy",
	       80);
	tui_edbuf_right(&b);
	CHECK_INT(col_of(&b), 2);
	tui_edbuf_right(&b);
	tui_edbuf_right(&b);
	CHECK_INT(col_of(&b), 11);
	tui_edbuf_free(&b);
}

TEST(typing_before_a_mark_keeps_the_cursor_on_a_boundary)
{
	tui_edbuf b = mk(ACUTE "z", 80);
	tui_edbuf_insert_cp(&b, 'a');
	CHECK_STR(txt(&b), "a" ACUTE "z");
	CHECK_INT(b.cur, 3); /* after a-acute, not between a and the mark */
	CHECK(on_boundary(&b));
	tui_edbuf_free(&b);
	/* Deleting a tab between a letter and a mark joins them: the cursor
	 * goes back to the start of the new cluster. */
	b = mk("e\t" ACUTE, 80);
	tui_edbuf_right(&b);
	tui_edbuf_right(&b);
	tui_edbuf_backspace(&b);
	CHECK_STR(txt(&b), "e" ACUTE);
	CHECK_INT(b.cur, 0);
	CHECK(on_boundary(&b));
	tui_edbuf_free(&b);
}

TEST(invalid_utf8_becomes_replacement_marks)
{
	const char raw[] = "a\xff"
			   "b\0c\xC0\xAF";
	tui_edbuf b;
	tui_edbuf_init(&b, raw, sizeof raw - 1, 80);
	size_t len;
	const char *s = tui_edbuf_text(&b, &len);
	CHECK_STR(s, "a\xEF\xBF\xBD"
		     "b\xE2\x90\x80"
		     "c\xEF\xBF\xBD\xEF\xBF\xBD");
	CHECK(text_utf8_valid(s, len, NULL));
	CHECK(!tui_edbuf_changed(&b)); /* the repair alone is not an edit */
	tui_edbuf_right(&b);
	tui_edbuf_right(&b);
	CHECK_INT(b.cur, 4);
	CHECK_INT(col_of(&b), 2);
	/* Inserted bytes are repaired too. */
	tui_edbuf_insert(&b, "\xfe", 1);
	s = tui_edbuf_text(&b, &len);
	CHECK(text_utf8_valid(s, len, NULL));
	CHECK_INT(b.cur, 7);
	tui_edbuf_free(&b);
}

TEST(huge_single_line)
{
	size_t n = 100000;
	char *s = malloc(n + 1);
	memset(s, 'x', n);
	s[n] = '\0';
	tui_edbuf b = mk(s, 80);
	tui_edbuf_bottom(&b);
	CHECK_INT(row_of(&b), n / 80 - 1);
	CHECK_INT(col_of(&b), 80); /* after a full last line */
	tui_edbuf_home(&b);
	CHECK_INT(b.cur, 0);
	tui_edbuf_end(&b);
	CHECK_INT(b.cur, n);
	/* Typing in the middle: layout and cursor after every key. */
	tui_edbuf_set_cursor(&b, n / 2);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 200; i++) {
		tui_edbuf_insert_cp(&b, 0x65E5);
		tui_edbuf_backspace(&b);
		tui_edbuf_insert_cp(&b, 'y');
		col_of(&b);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms =
	    ((double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6) / 600;
	printf("# 100k-char line: %.2f ms per edit with relayout\n", ms);
	CHECK_INT(b.text.len, n + 200);
	CHECK_INT(b.cur, n / 2 + 200);
	CHECK(ms < 50);
	/* Ctrl-U kills the 50,000 characters before the cursor. */
	tui_edbuf_kill_start(&b);
	CHECK_INT(b.text.len, n / 2);
	CHECK_INT(b.cur, 0);
	/* The same with wide characters only: no ASCII anchor for boundaries. */
	tui_edbuf_free(&b);
	abuf w = {0};
	for (size_t i = 0; i < n; i++)
		abuf_append(&w, NIHON, 3);
	tui_edbuf_init(&b, w.data, w.len, 81);
	tui_edbuf_set_cursor(&b, w.len / 2 + 1); /* inside a character: moved back */
	CHECK_INT(b.cur, w.len / 2);
	tui_edbuf_left(&b);
	CHECK_INT(b.cur, w.len / 2 - 3);
	CHECK_INT(col_of(&b), (int)((n / 2 - 1) % 40) * 2); /* 40 wide per 81 columns */
	tui_edbuf_vertical(&b, 1);
	CHECK_INT(b.cur, w.len / 2 - 3 + 40 * 3);
	abuf_free(&w);
	tui_edbuf_free(&b);
	free(s);
}

TEST(kill_word_at_boundaries)
{
	tui_edbuf b = mk("hello big world", 80);
	tui_edbuf_kill_word(&b); /* at the start: nothing */
	CHECK_STR(txt(&b), "hello big world");
	tui_edbuf_bottom(&b);
	tui_edbuf_kill_word(&b);
	CHECK_STR(txt(&b), "hello big ");
	tui_edbuf_kill_word(&b);
	CHECK_STR(txt(&b), "hello ");
	tui_edbuf_kill_word(&b);
	CHECK_STR(txt(&b), "");
	tui_edbuf_kill_word(&b);
	CHECK_STR(txt(&b), "");
	tui_edbuf_free(&b);
	/* From the middle of a word; across a newline; over an emoji. */
	b = mk("one\ntwo", 80);
	tui_edbuf_set_cursor(&b, 6);
	tui_edbuf_kill_word(&b);
	CHECK_STR(txt(&b), "one\no");
	CHECK_INT(b.cur, 4);
	tui_edbuf_kill_word(&b);
	CHECK_STR(txt(&b), "o");
	tui_edbuf_free(&b);
	b = mk("go " HEART, 80);
	tui_edbuf_bottom(&b);
	/* the variation selector (a mark, shown as <U+FE0F>) is a word of its
	 * own; then the emoji goes with the word before it */
	tui_edbuf_kill_word(&b);
	CHECK(on_boundary(&b));
	CHECK_STR(txt(&b), "go \xE2\x9D\xA4");
	tui_edbuf_kill_word(&b);
	CHECK_STR(txt(&b), "");
	tui_edbuf_free(&b);
}

TEST(kill_next_word_at_boundaries)
{
	tui_edbuf b = mk("hello big world", 80);
	tui_edbuf_kill_word_next(&b);
	CHECK_STR(txt(&b), "big world");
	CHECK_INT(b.cur, 0);
	tui_edbuf_set_cursor(&b, 1); /* from inside a word: its rest */
	tui_edbuf_kill_word_next(&b);
	CHECK_STR(txt(&b), "bworld");
	tui_edbuf_bottom(&b);
	tui_edbuf_kill_word_next(&b); /* at the end: nothing */
	CHECK_STR(txt(&b), "bworld");
	tui_edbuf_free(&b);
	b = mk(HEART " go", 80);
	tui_edbuf_kill_word_next(&b);
	CHECK(on_boundary(&b));
	tui_edbuf_undo(&b);
	CHECK_STR(txt(&b), HEART " go");
	tui_edbuf_free(&b);
}

TEST(kill_to_end_and_start_at_boundaries)
{
	tui_edbuf b = mk("ab\ncd", 80);
	tui_edbuf_right(&b);
	tui_edbuf_kill_end(&b);
	CHECK_STR(txt(&b), "a\ncd");
	tui_edbuf_kill_end(&b); /* at the end of the line: joins */
	CHECK_STR(txt(&b), "acd");
	tui_edbuf_bottom(&b);
	tui_edbuf_kill_end(&b); /* at the end of the text: nothing */
	CHECK_STR(txt(&b), "acd");
	tui_edbuf_free(&b);

	b = mk("ab\ncd", 80);
	tui_edbuf_set_cursor(&b, 4);
	tui_edbuf_kill_start(&b);
	CHECK_STR(txt(&b), "ab\nd");
	CHECK_INT(b.cur, 3);
	tui_edbuf_kill_start(&b); /* at the start of the line: joins */
	CHECK_STR(txt(&b), "abd");
	CHECK_INT(b.cur, 2);
	tui_edbuf_kill_start(&b);
	CHECK_STR(txt(&b), "d");
	tui_edbuf_kill_start(&b); /* at the start of the text: nothing */
	CHECK_STR(txt(&b), "d");
	tui_edbuf_free(&b);

	/* A CRLF line end from the original text is a single cluster. */
	b = mk("ab\r\ncd", 80);
	tui_edbuf_end(&b);
	CHECK_INT(b.cur, 2);
	tui_edbuf_right(&b);
	CHECK_INT(b.cur, 4);
	tui_edbuf_top(&b);
	tui_edbuf_end(&b);
	tui_edbuf_kill_end(&b);
	CHECK_STR(txt(&b), "abcd");
	tui_edbuf_free(&b);
}

/* A bare CR is shown as ^M inside its line (text_wrap does not break
 * there), so Home, End, Ctrl-K and Ctrl-U go past it to LF or CRLF. */
TEST(bare_cr_is_inside_the_line)
{
	tui_edbuf b = mk("ab\r\ncd\ref\ngh", 80);
	tui_edbuf_set_cursor(&b, 4);
	tui_edbuf_end(&b);
	CHECK_INT(b.cur, 9); /* past the ^M, at the LF */
	tui_edbuf_home(&b);
	CHECK_INT(b.cur, 4);
	tui_edbuf_set_cursor(&b, 8); /* on "e", after the CR */
	tui_edbuf_home(&b);
	CHECK_INT(b.cur, 4);
	tui_edbuf_set_cursor(&b, 5);
	tui_edbuf_kill_end(&b);
	CHECK_STR(txt(&b), "ab\r\nc\ngh");
	tui_edbuf_free(&b);
	b = mk("ab\ncd\ref", 80);
	tui_edbuf_bottom(&b);
	tui_edbuf_kill_start(&b);
	CHECK_STR(txt(&b), "ab\n");
	CHECK_INT(b.cur, 3);
	tui_edbuf_free(&b);
	/* the display line and the logical line agree */
	b = mk("cd\ref", 80);
	tui_edbuf_end(&b);
	CHECK_INT(row_of(&b), 0);
	CHECK_INT(b.cur, 5);
	tui_edbuf_free(&b);
}

TEST(home_end_and_word_moves)
{
	tui_edbuf b = mk("first line\nsecond  line here\n", 80);
	tui_edbuf_word_right(&b);
	CHECK_INT(b.cur, 6);
	tui_edbuf_word_right(&b);
	CHECK_INT(b.cur, 11);
	tui_edbuf_word_right(&b);
	CHECK_INT(b.cur, 19);
	tui_edbuf_end(&b);
	CHECK_INT(b.cur, 28);
	tui_edbuf_home(&b);
	CHECK_INT(b.cur, 11);
	tui_edbuf_word_left(&b);
	CHECK_INT(b.cur, 6);
	tui_edbuf_bottom(&b);
	tui_edbuf_home(&b);
	CHECK_INT(b.cur, 29); /* the empty last line */
	tui_edbuf_free(&b);
	/* Word moves stop only between cells: the variation selector of an
	 * emoji is a cell of its own (shown as <U+FE0F>), and a mark. */
	b = mk("go " HEART " now", 80);
	tui_edbuf_word_right(&b);
	CHECK(on_boundary(&b));
	CHECK_INT(b.cur, 6);
	tui_edbuf_word_right(&b);
	CHECK_INT(b.cur, 10);
	tui_edbuf_word_left(&b);
	CHECK(on_boundary(&b));
	CHECK_INT(b.cur, 6);
	tui_edbuf_free(&b);
}

TEST(vertical_moves_keep_the_goal_column)
{
	/* width 6: "abc" + one wide char fill 5 columns; the rest wraps */
	tui_edbuf b = mk("abc" NIHON GO "x", 6);
	tui_edbuf_set_cursor(&b, 3);
	CHECK_INT(col_of(&b), 3);
	tui_edbuf_vertical(&b, 1);
	CHECK_INT(row_of(&b), 1);
	CHECK_INT(col_of(&b), 2); /* column 3 is inside a wide character */
	CHECK_INT(b.cur, 9);
	tui_edbuf_vertical(&b, -1);
	CHECK_INT(col_of(&b), 3); /* the goal was remembered */
	CHECK_INT(b.cur, 3);
	tui_edbuf_vertical(&b, -1); /* first line: nothing */
	CHECK_INT(b.cur, 3);
	tui_edbuf_free(&b);

	b = mk("abcdef\nxy\nabcdef", 80);
	tui_edbuf_set_cursor(&b, 5);
	tui_edbuf_vertical(&b, 1);
	CHECK_INT(b.cur, 9); /* end of the short line, before its newline */
	tui_edbuf_vertical(&b, 1);
	CHECK_INT(b.cur, 15);
	tui_edbuf_vertical(&b, 1); /* last line: nothing */
	CHECK_INT(b.cur, 15);
	tui_edbuf_left(&b); /* a horizontal move forgets the goal */
	tui_edbuf_vertical(&b, -2);
	CHECK_INT(b.cur, 4);
	tui_edbuf_vertical(&b, 5); /* clamped to the last line */
	CHECK_INT(b.cur, 14);
	tui_edbuf_free(&b);

	/* Combining marks: column 2 is after two e-acutes (6 bytes). */
	b = mk("e" ACUTE "e" ACUTE "e" ACUTE "\ne" ACUTE "e" ACUTE "e" ACUTE, 80);
	tui_edbuf_set_cursor(&b, 6);
	tui_edbuf_vertical(&b, 1);
	CHECK_INT(b.cur, 10 + 6);
	CHECK_INT(col_of(&b), 2);
	tui_edbuf_free(&b);

	/* Emoji above ASCII: column 3 falls inside the second thumb. */
	b = mk(THUMB THUMB THUMB "\nabcd", 80);
	tui_edbuf_bottom(&b);
	tui_edbuf_left(&b);
	tui_edbuf_vertical(&b, -1);
	CHECK_INT(b.cur, 4);
	CHECK_INT(col_of(&b), 2);
	tui_edbuf_free(&b);

	/* Wrapped wide text: each display line holds two characters. */
	b = mk(NIHON NIHON NIHON, 5);
	tui_edbuf_right(&b);
	tui_edbuf_vertical(&b, 1);
	CHECK_INT(b.cur, 9);
	CHECK_INT(row_of(&b), 1);
	tui_edbuf_vertical(&b, 1);
	CHECK_INT(b.cur, 15);
	CHECK_INT(row_of(&b), 2);
	tui_edbuf_free(&b);
}

TEST(wrapped_line_end_stays_on_its_row)
{
	/* "aaa bbb" at width 4 wraps after the space; Down from "a|aa" to the
	 * second row, Up from past the end of a row lands before its last
	 * cell, not at the next row's start. */
	tui_edbuf b = mk("aaa bbb", 4);
	tui_edbuf_bottom(&b);
	CHECK_INT(row_of(&b), 1);
	CHECK_INT(col_of(&b), 3);
	tui_edbuf_vertical(&b, -1);
	CHECK_INT(row_of(&b), 0);
	CHECK_INT(b.cur, 3);
	tui_edbuf_free(&b);
}

TEST(paste_is_cleaned)
{
	tui_edbuf b = mk("<>", 80);
	tui_edbuf_right(&b);
	const char p[] = "a\r\nb\rc\x1b[31md\0e\tf\x7fg\xC2\x85h\xff\n";
	CHECK_INT(tui_edbuf_paste(&b, p, sizeof p - 1), ASSAY_OK);
	CHECK_STR(txt(&b), "<a\nb\nc[31mde\tfgh\xEF\xBF\xBD\n>");
	CHECK_INT(b.cur, b.text.len - 1);
	/* Bidi controls are kept (shown as tags), and so are other letters. */
	tui_edbuf_paste(&b, "\xE2\x80\xAE" NIHON, 9);
	CHECK_CONTAINS(txt(&b), "\xE2\x80\xAE" NIHON ">");
	/* An empty paste changes nothing; undo takes a paste back whole. */
	tui_edbuf_paste(&b, "", 0);
	tui_edbuf_undo(&b);
	tui_edbuf_undo(&b);
	CHECK_STR(txt(&b), "<>");
	CHECK_INT(b.cur, 1);
	tui_edbuf_free(&b);
}

TEST(undo_groups_typing)
{
	tui_edbuf b = mk("x", 80);
	tui_edbuf_bottom(&b);
	tui_edbuf_insert_cp(&b, 'a');
	tui_edbuf_insert_cp(&b, 'b');
	tui_edbuf_insert_cp(&b, 'c');
	tui_edbuf_insert_cp(&b, '\n');
	tui_edbuf_insert_cp(&b, 'd');
	CHECK_STR(txt(&b), "xabc\nd");
	tui_edbuf_backspace(&b);
	tui_edbuf_backspace(&b);
	CHECK_STR(txt(&b), "xabc");
	CHECK_INT(tui_edbuf_undo(&b), ASSAY_OK); /* both backspaces */
	CHECK_STR(txt(&b), "xabc\nd");
	CHECK_INT(tui_edbuf_undo(&b), ASSAY_OK); /* "d" */
	CHECK_STR(txt(&b), "xabc\n");
	CHECK_INT(tui_edbuf_undo(&b), ASSAY_OK); /* the newline */
	CHECK_INT(tui_edbuf_undo(&b), ASSAY_OK); /* "abc" */
	CHECK_STR(txt(&b), "x");
	CHECK_INT(b.cur, 1);
	CHECK(!tui_edbuf_changed(&b));
	CHECK_INT(tui_edbuf_undo(&b), ASSAY_ECONFLICT);
	/* A move ends a run of typing. */
	tui_edbuf_insert_cp(&b, 'a');
	tui_edbuf_left(&b);
	tui_edbuf_insert_cp(&b, 'b');
	tui_edbuf_undo(&b);
	CHECK_STR(txt(&b), "xa");
	tui_edbuf_free(&b);
}

TEST(changed_compares_with_the_loaded_text)
{
	tui_edbuf b = mk("same", 80);
	tui_edbuf_insert_cp(&b, 'x');
	CHECK(tui_edbuf_changed(&b));
	tui_edbuf_backspace(&b);
	CHECK(!tui_edbuf_changed(&b));
	tui_edbuf_bottom(&b);
	tui_edbuf_backspace(&b);
	tui_edbuf_insert_cp(&b, 'e');
	CHECK(!tui_edbuf_changed(&b));
	tui_edbuf_free(&b);
}

static uint64_t rng = 88172645463325252ull;
static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* Random edits and moves on a text of hostile pieces: the cursor is
 * always on a cluster boundary, the text always valid UTF-8, and the
 * cursor's column within its display line. */
TEST(random_edits_keep_invariants)
{
	static const char *pieces[] = {"a",    " ",	"\n",  "\t",	       ACUTE,
				       FAMILY, FLAG_FR, NIHON, HEART,	       "\xE2\x80\x8D",
				       "\x1b", "\r\n",	"\r",  "\xE2\x80\xAE", "\xF0\x9F\x87\xAB",
				       "\xff", "word"};
	tui_edbuf b = mk("", 7);
	int failures = 0;
	for (int i = 0; i < 20000 && !failures; i++) {
		uint32_t r = next_rand();
		const char *p = pieces[r % ASSAY_ARRAY_LEN(pieces)];
		switch ((r >> 8) % 16) {
		case 0:
		case 1:
		case 2:
			tui_edbuf_insert(&b, p, strlen(p));
			break;
		case 3:
			tui_edbuf_paste(&b, p, strlen(p));
			break;
		case 4:
			tui_edbuf_left(&b);
			break;
		case 5:
			tui_edbuf_right(&b);
			break;
		case 6:
			tui_edbuf_vertical(&b, (r >> 16) % 2 ? 1 : -1);
			break;
		case 7:
			tui_edbuf_word_left(&b);
			break;
		case 8:
			tui_edbuf_word_right(&b);
			break;
		case 9:
			tui_edbuf_backspace(&b);
			break;
		case 10:
			tui_edbuf_delete(&b);
			break;
		case 11:
			if (r % 7 == 0)
				tui_edbuf_kill_word(&b);
			break;
		case 12:
			if (r % 11 == 0)
				tui_edbuf_kill_end(&b);
			else
				tui_edbuf_end(&b);
			break;
		case 13:
			if (r % 11 == 0)
				tui_edbuf_kill_start(&b);
			else
				tui_edbuf_home(&b);
			break;
		case 14:
			tui_edbuf_set_width(&b, 1 + (int)((r >> 16) % 12));
			break;
		case 15:
			if (r % 5 == 0)
				tui_edbuf_undo(&b);
			else
				tui_edbuf_set_cursor(&b, (r >> 12) % (b.text.len + 1));
			break;
		}
		size_t row;
		int col;
		tui_edbuf_cursor_pos(&b, &row, &col);
		const text_line *l = &b.lines.v[row];
		int linew = 0;
		for (size_t k = l->first; k < l->end; k++)
			linew += b.cells.v[k].width;
		if (!on_boundary(&b) || !text_utf8_valid(txt(&b), b.text.len, NULL) ||
		    col > linew || b.text.len > 4000) {
			printf("# step %d: cur %zu len %zu col %d linew %d\n", i, b.cur, b.text.len,
			       col, linew);
			failures++;
		}
		if (b.text.len > 2000)
			tui_edbuf_kill_start(&b), tui_edbuf_top(&b), tui_edbuf_kill_end(&b);
	}
	CHECK_INT(failures, 0);
	tui_edbuf_free(&b);
}

UNIT_MAIN(UNIT_CASE(empty_text), UNIT_CASE(insert_at_start_middle_end),
	  UNIT_CASE(moves_over_whole_cells),
	  UNIT_CASE(cursor_column_with_wide_tab_and_placeholders),
	  UNIT_CASE(typing_before_a_mark_keeps_the_cursor_on_a_boundary),
	  UNIT_CASE(invalid_utf8_becomes_replacement_marks), UNIT_CASE(huge_single_line),
	  UNIT_CASE(kill_word_at_boundaries), UNIT_CASE(kill_next_word_at_boundaries),
	  UNIT_CASE(kill_to_end_and_start_at_boundaries),
	  UNIT_CASE(bare_cr_is_inside_the_line),
	  UNIT_CASE(home_end_and_word_moves), UNIT_CASE(vertical_moves_keep_the_goal_column),
	  UNIT_CASE(wrapped_line_end_stays_on_its_row), UNIT_CASE(paste_is_cleaned),
	  UNIT_CASE(undo_groups_typing), UNIT_CASE(changed_compares_with_the_loaded_text),
	  UNIT_CASE(random_edits_keep_invariants))
