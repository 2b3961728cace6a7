/* query_int.h — what the files of src/query/ share: the tokens, the parser's
 * state and the error that points at a column. */
#ifndef ASSAY_QUERY_INT_H
#define ASSAY_QUERY_INT_H

#include "assay/query.h"

enum tok_type {
	TK_END,
	TK_LPAREN,
	TK_RPAREN,
	TK_OP,     /* op says which */
	TK_WORD,   /* a bare word: a field, a number, a value */
	TK_STRING, /* "..." (off and len include the quotes) */
	TK_REGEX,  /* /.../ (off and len include the slashes) */
	TK_AND,
	TK_OR,
	TK_NOT,
};

typedef struct tok {
	int type; /* enum tok_type */
	int op;   /* TK_OP: enum query_op */
	size_t off, len;
} tok;

typedef struct qparser {
	const char *src;
	size_t len;
	size_t pos;   /* the next byte the tokenizer reads */
	tok cur;      /* the current token */
	int depth;    /* parentheses and nots open around the current token */
	size_t preds; /* predicates so far */
	size_t *err_col;
	assay_error *err;
} qparser;

/* Refuses input that is too long, not UTF-8, or holds a NUL or a control
 * character (tab, CR and LF aside, and only outside strings). */
int qlex_check(qparser *p);
/* Reads the next token into p->cur. */
int qlex_next(qparser *p);
/* Fails with ASSAY_EINVAL: "column N: <message>", then the expression and
 * a caret under N. off is a byte offset into the source. */
int qerr(qparser *p, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The 1-based column of byte offset off. */
size_t qcol(const qparser *p, size_t off);
/* The byte offset of 1-based column col (the inverse of qcol). */
size_t qoff(const qparser *p, size_t col);
/* How the token reads in a message: "abc" for a word or string (cut
 * short), '<' for an operator, "the end of the expression". */
void qtok_describe(const qparser *p, const tok *t, char *out, size_t size);

/* The literal values: a decoded string (escapes), a regex pattern, a
 * number, a date. Each fails through qerr at the offending column. */
int qlit_string(qparser *p, const tok *t, char **out);
int qlit_regex(qparser *p, const tok *t, char **out);
bool qlit_number(const char *s, size_t n, double *out, bool *range);
bool qlit_date(const char *s, size_t n, int64_t *ms);
/* Formats a date's unix ms as YYYY-MM-DD into out (16 bytes). */
void qlit_date_format(int64_t ms, char *out);
/* Whether a word byte: not white space, not a special character. */
bool qlex_word_byte(unsigned char c);

#endif
