/* fuzz_wrap.c — wrapping arbitrary text to a width taken from the first
 * byte: lines cover every cell once, in order, and fit the width unless a
 * single cell is wider than the line. */
#include "assay/text.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int width = data[0] % 100 + 1;
	fuzz_guard g;
	if (fuzz_guard_copy(&g, data + 1, size - 1) < 0)
		return 0;
	text_cells cells = {0};
	text_lines lines = {0};
	FUZZ_CHECK(text_cells_build(g.data, g.len, &cells) == ASSAY_OK);
	FUZZ_CHECK(text_wrap(g.data, &cells, width, &lines) == ASSAY_OK);
	FUZZ_CHECK(lines.n >= 1);
	size_t next = 0;
	for (size_t i = 0; i < lines.n; i++) {
		const text_line *l = &lines.v[i];
		FUZZ_CHECK(l->first == next && l->end >= l->first && l->end <= cells.n);
		next = l->end;
		/* Columns up to the last cell that is not a space (trailing spaces
		 * hang past the edge); only a line holding one cell may overflow. */
		int cols = 0, content = 0;
		size_t solid = 0;
		for (size_t k = l->first; k < l->end; k++) {
			const text_cell *c = &cells.v[k];
			cols += c->kind == TEXT_NEWLINE ? 0 : c->width;
			if (c->kind != TEXT_SPACE && c->kind != TEXT_NEWLINE) {
				content = cols;
				solid++;
			}
		}
		FUZZ_CHECK(content <= width || solid == 1);
	}
	FUZZ_CHECK(next == cells.n);
	text_lines_free(&lines);
	text_cells_free(&cells);
	fuzz_guard_free(&g);
	return 0;
}
