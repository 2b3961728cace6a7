/* table.c — printing tables: every cell sanitized as the screen shows text,
 * columns sized by display width, and on a narrow terminal the key columns
 * abbreviated and the least needed columns dropped (--wide shows all). */
#include "table.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "assay/common.h"
#include "assay/text.h"
#include "assay/text_csv.h"

void cli_table_add(cli_table *t, char **row, size_t cols)
{
	char ***v = realloc(t->cells, (t->rows + 1) * sizeof *t->cells);
	if (!v)
		abort();
	t->cells = v;
	t->cells[t->rows++] = row;
	t->cols = cols < CLI_TABLE_MAX_COLS ? cols : CLI_TABLE_MAX_COLS;
}

void cli_table_addv(cli_table *t, size_t cols, ...)
{
	va_list ap;
	va_start(ap, cols);
	char **row = calloc(cols, sizeof *row);
	for (size_t i = 0; row && i < cols; i++)
		row[i] = assay_strdup(va_arg(ap, const char *));
	va_end(ap);
	if (!row)
		abort();
	cli_table_add(t, row, cols);
}

void cli_table_free(cli_table *t)
{
	for (size_t r = 0; r < t->rows; r++) {
		for (size_t c = 0; c < t->cols; c++)
			free(t->cells[r][c]);
		free(t->cells[r]);
	}
	free(t->cells);
	*t = (cli_table){0};
}

int cli_table_width(bool wide)
{
	struct winsize ws;
	if (!wide && isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		return ws.ws_col;
	return 0;
}

/* The sanitized cells and their display widths. */
typedef struct shown {
	char **s;
	size_t *w;
} shown;

static size_t total_width(const cli_table *t, const size_t *w, const bool *hide)
{
	size_t sum = 0, n = 0;
	for (size_t c = 0; c < t->cols; c++)
		if (!hide[c]) {
			sum += w[c];
			n++;
		}
	return sum + (n ? 2 * (n - 1) : 0);
}

/* Shrinks the key columns towards `floor` columns while too wide. */
static void shrink_keys(const cli_table *t, size_t *w, const bool *hide, size_t width, size_t floor)
{
	for (size_t c = 0; c < t->key_cols; c++) {
		size_t total = total_width(t, w, hide);
		if (total <= width)
			return;
		if (w[c] > floor)
			w[c] -= ASSAY_MIN(total - width, w[c] - floor);
	}
}

/* Fits the columns into width: abbreviate keys to 16 columns, drop columns
 * by priority (highest first, the rightmost of equals), then abbreviate
 * keys to 4. */
static void fit(const cli_table *t, size_t *w, bool *hide, size_t width)
{
	shrink_keys(t, w, hide, width, 16);
	while (total_width(t, w, hide) > width) {
		size_t drop = t->cols;
		for (size_t c = t->key_cols; c < t->cols; c++)
			if (!hide[c] && t->prio[c] && (drop == t->cols || t->prio[c] >= t->prio[drop]))
				drop = c;
		if (drop == t->cols)
			break;
		hide[drop] = true;
	}
	shrink_keys(t, w, hide, width, 4);
}

/* Writes s cut to at most w display columns ("~" marks a cut), padded. */
static void put_cell(FILE *f, const char *s, size_t sw, size_t w, bool left, bool last)
{
	size_t n = strlen(s), len = n, used = sw;
	if (sw > w) {
		len = 0;
		used = 0;
		while (len < n) {
			size_t next = text_grapheme_next(s, n, len);
			size_t cw = text_width(s + len, next - len);
			if (used + cw + 1 > w)
				break;
			used += cw;
			len = next;
		}
	}
	if (!left)
		fprintf(f, "%*s", (int)(w - used - (sw > w)), "");
	fwrite(s, 1, len, f);
	if (sw > w)
		fputc('~', f), used++;
	if (left && !last)
		fprintf(f, "%*s", (int)(w - used), "");
	if (!last)
		fputs("  ", f);
}

/* Names the columns left out, in one line that fits (else counts them). */
static void print_note(FILE *f, const cli_table *t, const bool *hide, int width)
{
	abuf b = {0};
	size_t n = 0;
	for (size_t c = 0; c < t->cols; c++)
		if (hide[c]) {
			abuf_puts(&b, n++ ? ", " : "(not shown: ");
			abuf_puts(&b, t->cells[0][c]);
		}
	if (n) {
		abuf_puts(&b, "; --wide shows all)");
		char *line = text_sanitize_line(b.data, b.len);
		if (line && text_width(line, strlen(line)) <= (size_t)width)
			fprintf(f, "%s\n", line);
		else
			fprintf(f, "(%zu columns not shown; --wide shows all)\n", n);
		free(line);
	}
	abuf_free(&b);
}

void cli_table_print(const cli_table *t, FILE *f, int width)
{
	size_t w[CLI_TABLE_MAX_COLS] = {0};
	bool hide[CLI_TABLE_MAX_COLS] = {0};
	shown *sh = calloc(t->rows ? t->rows : 1, sizeof *sh);
	for (size_t r = 0; sh && r < t->rows; r++) {
		sh[r].s = calloc(t->cols, sizeof *sh[r].s);
		sh[r].w = calloc(t->cols, sizeof *sh[r].w);
		for (size_t c = 0; sh[r].s && sh[r].w && c < t->cols; c++) {
			const char *v = t->cells[r][c] ? t->cells[r][c] : "";
			sh[r].s[c] = text_sanitize_line(v, strlen(v));
			sh[r].w[c] = sh[r].s[c] ? text_width(sh[r].s[c], strlen(sh[r].s[c])) : 0;
			w[c] = ASSAY_MAX(w[c], sh[r].w[c]);
		}
	}
	if (width > 0)
		fit(t, w, hide, (size_t)width);
	size_t last = 0;
	for (size_t c = 0; c < t->cols; c++)
		if (!hide[c])
			last = c;
	for (size_t r = 0; sh && r < t->rows; r++) {
		for (size_t c = 0; sh[r].s && sh[r].w && c < t->cols; c++)
			if (!hide[c])
				put_cell(f, sh[r].s[c] ? sh[r].s[c] : "?", sh[r].w[c], w[c],
					 c < t->key_cols, c == last);
		fputc('\n', f);
		if (r == 0) {
			size_t total = total_width(t, w, hide);
			for (size_t k = 0; k < total; k++)
				fputc('-', f);
			fputc('\n', f);
		}
	}
	print_note(f, t, hide, width);
	for (size_t r = 0; sh && r < t->rows; r++) {
		for (size_t c = 0; sh[r].s && c < t->cols; c++)
			free(sh[r].s[c]);
		free(sh[r].s);
		free(sh[r].w);
	}
	free(sh);
}

void cli_table_csv(const cli_table *t, FILE *f, bool raw)
{
	abuf b = {0};
	for (size_t r = 0; r < t->rows; r++) {
		abuf_reset(&b);
		for (size_t c = 0; c < t->cols; c++) {
			unsigned flags = raw ? TEXT_CSV_RAW : r && c >= t->key_cols ? TEXT_CSV_NUMBER : 0;
			const char *v = t->cells[r][c] ? t->cells[r][c] : "";
			if (c)
				abuf_putc(&b, ',');
			text_csv_cell(&b, v, strlen(v), flags);
		}
		abuf_puts(&b, "\r\n");
		fwrite(b.data, 1, b.len, f);
	}
	abuf_free(&b);
}
