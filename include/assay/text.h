/* text.h — UTF-8, display width, making untrusted text safe for a terminal,
 * wrapping, word tokens, word diff, and the normalization and hash used for
 * exact-duplicate detection. Pure functions over byte strings: no I/O. */
#ifndef ASSAY_TEXT_H
#define ASSAY_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assay/common.h"

#define TEXT_REPLACEMENT 0xFFFDu

/* ---- UTF-8 ------------------------------------------------------------ */

/* Decodes the code point at s[0..n) (n > 0). Returns the bytes consumed
 * (1..4). Invalid input (overlong form, surrogate, > U+10FFFF, truncated
 * sequence, stray continuation byte) yields *cp = TEXT_REPLACEMENT,
 * *valid = false and consumes exactly 1 byte. */
size_t text_utf8_next(const char *s, size_t n, uint32_t *cp, bool *valid);

/* True when s[0..n) is strict UTF-8 with no NUL byte; otherwise false and
 * *bad (if not NULL) is the offset of the first offending byte. */
bool text_utf8_valid(const char *s, size_t n, size_t *bad);

/* Encodes cp into out; returns the length (1..4), 0 for an invalid cp. */
size_t text_utf8_encode(uint32_t cp, char out[4]);

/* Returns an allocated copy of s[0..n) with every invalid sequence replaced
 * by U+FFFD and NUL bytes by U+2400; *out_len gets the length. Caller frees. */
char *text_utf8_repair(const char *s, size_t n, size_t *out_len);

/* ---- Display ----------------------------------------------------------- */

/* What a cell is, so the screen can colour placeholders distinctly. */
enum text_kind {
	TEXT_PLAIN = 0,  /* printable grapheme cluster, shown as its own bytes */
	TEXT_SPACE,      /* a space (or other Unicode space shown as one space) */
	TEXT_TAB,        /* a tab, expanded to spaces up to the next tab stop */
	TEXT_NEWLINE,    /* a line break: LF or CRLF */
	TEXT_CONTROL,    /* C0/C1 control, a CR without LF, ESC, DEL, NUL: ^X / <U+0085> */
	TEXT_BIDI,       /* bidi override/isolate/mark: shown as <U+202E> */
	TEXT_INVALID,    /* invalid UTF-8 byte: shown as U+FFFD */
	TEXT_INVISIBLE,  /* a code point a terminal would hide or merge into the one
			  * before (joiner, variation selector, tag character, emoji
			  * modifier, format or other default-ignorable character,
			  * U+2028/U+2029, unassigned): shown as a tag, <U+200D> */
};

/* Zero-width code points (combining marks) a printable cell holds at most,
 * so curses can draw each of its characters with all of them (a cchar_t
 * holds CCHARW_MAX - 1 of them, 4 in ncurses). */
#define TEXT_CELL_MARKS 4
/* A buffer this size holds what text_cell_bytes writes for any cell. */
#define TEXT_CELL_BYTES 32

/* One unit of the source as it is displayed and as the editor's cursor
 * steps over it: a grapheme cluster, or part of one where the cluster holds
 * code points shown as placeholders or more marks than curses can draw. */
typedef struct text_cell {
	uint32_t off;   /* byte offset of the cluster in the source */
	uint32_t len;   /* its length in source bytes */
	uint8_t width;  /* display columns; a TAB's width is set by text_wrap */
	uint8_t kind;   /* enum text_kind */
} text_cell;

typedef struct text_cells {
	text_cell *v;
	size_t n, cap;
} text_cells;

/* Splits s[0..n) into display cells so that every code point is drawn as a
 * glyph or a placeholder. A printable cell is a grapheme cluster (UAX #29)
 * or the part of one up to a code point shown as a tag (a ZWJ sequence is
 * its emoji with <U+200D> cells between them, "\u2764\uFE0F" is the heart
 * and <U+FE0F>); it is at most 2 columns wide (one wide or two narrow
 * spacing code points, e.g. a flag's regional indicators) and holds at most
 * TEXT_CELL_MARKS combining marks, the rest going on in the next cell (on
 * a dotted circle). A CR is a placeholder unless an LF follows it. Widths
 * are the C library's (wcwidth). Returns ASSAY_OK or ASSAY_ENOMEM. Reuses
 * out's memory; free with text_cells_free. */
int text_cells_build(const char *s, size_t n, text_cells *out);
void text_cells_free(text_cells *c);

/* The bytes to draw for cell c of source s: the source bytes for PLAIN
 * cells (after a dotted circle when the cell starts with a mark), " " for
 * SPACE, spaces for TAB (c->width of them), "" for NEWLINE, and an ASCII placeholder for CONTROL ("^[", "^@", "^?", "<U+0085>"),
 * BIDI ("<U+202E>"), INVISIBLE ("<U+200B>") and INVALID (U+FFFD). Never
 * returns a byte that a terminal would interpret as a control. Writes at
 * most bufsz-1 bytes plus a NUL into buf (bufsz >= TEXT_CELL_BYTES holds
 * every cell); returns the length written. */
size_t text_cell_bytes(const char *s, const text_cell *c, char *buf, size_t bufsz);

/* Display columns of s[0..n) after sanitizing (tabs count as 1 space). */
size_t text_width(const char *s, size_t n);

/* An allocated single-line, terminal-safe copy of s[0..n): placeholders as
 * in text_cell_bytes, newlines and tabs shown as spaces. For metadata,
 * notes and status lines. Caller frees; NULL on ENOMEM. */
char *text_sanitize_line(const char *s, size_t n);

/* How many places in s[0..n) hide part of the text from a reader who does
 * not see it through text_cells_build (for the charset scorer): a ZWJ that
 * joins no emoji, or joins one that no recommended (RGI) ZWJ sequence puts
 * after a joiner, or makes a chain of more than four emoji; a ZWNJ or ZWJ
 * outside the scripts that spell with them (Arabic to Sinhala, Myanmar,
 * Khmer, Mongolian); tag characters outside an emoji flag tag sequence; a
 * second variation selector in a row (or one after nothing); more than
 * TEXT_CELL_MARKS combining marks in a row; a CR not followed by LF; other
 * default-ignorable code points (Hangul fillers, CGJ, ...) except bidi
 * controls, U+200B, U+2060, U+FEFF and U+00AD, which the scorer counts
 * itself. A skin tone, a family, a kiss, a keycap, a flag or a heart with
 * U+FE0F count nothing. */
size_t text_hidden_count(const char *s, size_t n);

/* ---- Wrapping ---------------------------------------------------------- */

typedef struct text_line {
	size_t first, end; /* cells [first, end) of the line */
	int width;         /* columns used */
} text_line;

typedef struct text_lines {
	text_line *v;
	size_t n, cap;
} text_lines;

/* Wraps cells to at most `width` columns (width >= 1): breaks after spaces,
 * breaks words longer than a line at the column, starts a new line at every
 * NEWLINE cell (the newline cell ends its line), drops spaces at the start
 * of a wrapped (not hard-broken) line, and sets each TAB cell's width to
 * reach the next multiple of 8 (clamped to the line). A cell wider than the
 * line gets a line of its own. Returns ASSAY_OK or ASSAY_ENOMEM; free with
 * text_lines_free. */
int text_wrap(const char *s, text_cells *cells, int width, text_lines *out);
void text_lines_free(text_lines *l);

/* ---- Word tokens ------------------------------------------------------- */

typedef struct text_token {
	uint32_t off, len;
} text_token;

typedef struct text_tokens {
	text_token *v;
	size_t n, cap;
} text_tokens;

/* Word tokens of s[0..n): maximal runs of letters, digits and marks
 * (Unicode L*, N*, M*), with an apostrophe or hyphen inside a word kept in
 * it ("don't", "well-lit"); each other non-space character is a token of
 * its own; white space separates and is not a token. */
int text_words(const char *s, size_t n, text_tokens *out);
void text_tokens_free(text_tokens *t);

/* ---- Word diff --------------------------------------------------------- */

enum text_diff_op { TEXT_DIFF_EQUAL, TEXT_DIFF_DELETE, TEXT_DIFF_INSERT };

/* One chunk of a diff. EQUAL and INSERT chunks point into b, DELETE chunks
 * into a; a chunk spans whole tokens and the white space between them. */
typedef struct text_diff_chunk {
	uint8_t op;       /* enum text_diff_op */
	uint32_t off, len;
} text_diff_chunk;

typedef struct text_diff {
	text_diff_chunk *v;
	size_t n, cap;
	size_t words_a, words_b;   /* token counts of a and b */
	size_t deleted, inserted;  /* tokens deleted from a, inserted in b */
	size_t distance;           /* word-level Levenshtein distance */
} text_diff;

/* Word diff of a -> b (Myers' O(ND) over text_words tokens, with the
 * common prefix and suffix stripped first; falls back to a coarse single
 * replace chunk past 1e7 steps so hostile input stays bounded). */
int text_word_diff(const char *a, size_t an, const char *b, size_t bn, text_diff *out);
void text_diff_free(text_diff *d);

/* ---- Normalization and hashing ------------------------------------------ */

/* The normal form used for exact-duplicate detection: NFKC with Unicode
 * case folding, every run of white space (Unicode White_Space, plus
 * invisible format characters removed) collapsed to one ASCII space, and
 * leading and trailing space trimmed. Invalid UTF-8 bytes are kept as
 * U+FFFD. Appends to out; returns ASSAY_OK or ASSAY_ENOMEM. ASCII input
 * takes a fast path that allocates nothing beyond out; other text goes
 * through utf8proc a stretch of non-ASCII bytes at a time, allocating only
 * for a stretch of invalid UTF-8 or one whose decomposition exceeds 256
 * code points. */
int text_normalize(const char *s, size_t n, abuf *out);

/* 64-bit hash of bytes. Stable forever: values are stored in databases. */
uint64_t text_hash64(const void *data, size_t n, uint64_t seed);

/* text_hash64 of text_normalize(s) with seed 0; scratch is reused between
 * calls to avoid allocation (may be NULL). */
uint64_t text_normalized_hash(const char *s, size_t n, abuf *scratch);

/* ---- Navigation (for the editor) ---------------------------------------- */

/* Byte offset of the next / previous cell boundary from off (the cells of
 * text_cells_build: grapheme clusters, cut where they show placeholders). */
size_t text_grapheme_next(const char *s, size_t n, size_t off);
size_t text_grapheme_prev(const char *s, size_t n, size_t off);
/* Byte offset of the next word start / previous word start from off. */
size_t text_word_next(const char *s, size_t n, size_t off);
size_t text_word_prev(const char *s, size_t n, size_t off);

/* ---- The kind of a text (kind.c) ---- */

/* Is a text field of this name a caption (caption, alt_text, description,
 * ... as a whole name or the last part of a dotted path)? NULL or "": yes. */
bool text_caption_field(const char *field);
/* "caption", "response" or "text": the declared kind when it is one of
 * them ("" or NULL: not declared), else "caption" for a caption field,
 * "response" for a text with a context, "text" for the rest. Static. */
const char *text_kind(const char *declared, const char *text_field, bool has_context);

#endif
