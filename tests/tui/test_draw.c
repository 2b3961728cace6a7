/* Tests for src/tui/draw.c: which cells of a laid-out text go to curses
 * in one call (tui_ascii_run): printable ASCII bytes, one after the other,
 * one column each; a tab, a control, a wide or a multi-byte cell ends the
 * run, and so does the room left. */
#include <string.h>

#include "../../src/tui/draw.h"
#include "unit.h"

/* The run at cell `at` of s laid out, with room for max columns. */
static size_t run_at(const char *s, size_t at, size_t max)
{
	text_cells c = {0};
	size_t k = 0;
	if (text_cells_build(s, strlen(s), &c) == ASSAY_OK && at < c.n)
		k = tui_ascii_run(s, &c.v[at], c.n - at, max);
	text_cells_free(&c);
	return k;
}

TEST(a_run_is_plain_ascii_of_one_column_a_cell)
{
	CHECK_INT(run_at("a grey heron", 0, 100), 12);
	CHECK_INT(run_at("a grey heron", 0, 5), 5);
	CHECK_INT(run_at("a grey heron", 7, 100), 5);
	CHECK_INT(run_at("caf\xc3\xa9 au lait", 0, 100), 3); /* é: two bytes */
	CHECK_INT(run_at("caf\xc3\xa9 au lait", 4, 100), 8);
	CHECK_INT(run_at("two\tcells", 0, 100), 3);
	CHECK_INT(run_at("bell\x07here", 0, 100), 4);
	CHECK_INT(run_at("\xe6\xbc\xa2\xe5\xad\x97 wide", 0, 100), 0);
	CHECK_INT(run_at("line\nnext", 0, 100), 4);
}

UNIT_MAIN(UNIT_CASE(a_run_is_plain_ascii_of_one_column_a_cell))
