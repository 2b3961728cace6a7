/* table.h — the tables commands print: cells made safe for the terminal,
 * sized by display width, fitted to the terminal by dropping the columns
 * least needed; or the same rows as CSV through the one CSV cell writer. */
#ifndef ASSAY_CLI_TABLE_H
#define ASSAY_CLI_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_TABLE_MAX_COLS 48

typedef struct cli_table {
	char ***cells;      /* rows of `cols` cells; row 0 is the header */
	size_t rows, cols;
	size_t key_cols;    /* leading columns naming the row: text, left aligned */
	/* per column: 0 always shown; higher numbers are dropped first when
	 * the table is wider than the terminal */
	uint8_t prio[CLI_TABLE_MAX_COLS];
} cli_table;

/* Appends a row of `cols` cells; the table takes `row` and its strings. */
void cli_table_add(cli_table *t, char **row, size_t cols);
/* Appends a row of `cols` copied strings. */
void cli_table_addv(cli_table *t, size_t cols, ...);
/* Prints the table to f; width > 0 is the terminal's width to fit (key
 * columns abbreviated with "~", then columns dropped by priority and named
 * in a note); 0 prints every column in full. Every cell is shown as the
 * review screen shows text (controls as placeholders). */
void cli_table_print(const cli_table *t, FILE *f, int width);
/* Prints the table as CSV (CRLF line ends): key columns and the header as
 * text, other cells as numbers when they read as one; raw: exact bytes. */
void cli_table_csv(const cli_table *t, FILE *f, bool raw);
void cli_table_free(cli_table *t);

/* The width tables are fitted to: 0 (no limit) when wide or when standard
 * output is not a terminal. */
int cli_table_width(bool wide);

#endif
