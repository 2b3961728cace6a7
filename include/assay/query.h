/* query.h — the --where language: a tokenizer and parser that turn an
 * expression such as `flagged(repetition) and meta.model = "llava"` into an
 * AST of typed literals, errors that point at a 1-based column, and a
 * printer back to one canonical spelling. Pure: no database, no terminal;
 * the store compiles an AST to SQL with every value bound (store_where_*).
 *
 * Grammar (not binds tighter than and, and tighter than or):
 *   expr      := or
 *   or        := and ("or" and)*
 *   and       := unary ("and" unary)*
 *   unary     := "not" unary | "(" expr ")" | predicate
 *   predicate := FIELD [OP VALUE]
 *   FIELD     := name | name "." NAME | name "(" NAME ")"   (see the table)
 *   OP        := = != < <= > >= ~
 *   VALUE     := NUMBER | "string" (escapes \" \\ \/ \n \r \t \uXXXX)
 *              | bare-word | /regex/ | YYYY-MM-DD
 * A token may not start with a single quote (SQL's 'string' would read
 * as a word, quotes and all, and match nothing); inside a word it is a
 * character. A scorer's NAME is any word here: query_check_scorers checks
 * it against what the caller knows.
 * Keywords (and, or, not) are case-insensitive. Fields are rows of one
 * table (query_fields): adding a field is adding a row, not grammar. */
#ifndef ASSAY_QUERY_H
#define ASSAY_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assay/common.h"

/* Limits on an expression: its length in bytes, how deeply parentheses
 * and `not` nest, and how many predicates it holds. */
#define QUERY_MAX_LEN 4096
#define QUERY_MAX_DEPTH 64
#define QUERY_MAX_PREDICATES 256

/* Comparison operators; a field's row says which it takes (a bit each). */
enum query_op {
	QUERY_OP_NONE, /* a predicate that stands alone: conflict, flagged(x) */
	QUERY_OP_EQ,
	QUERY_OP_NE,
	QUERY_OP_LT,
	QUERY_OP_LE,
	QUERY_OP_GT,
	QUERY_OP_GE,
	QUERY_OP_MATCH, /* ~ : case-insensitive substring, or a regex */
};
#define QUERY_OPS_ORDER                                                                            \
	(1u << QUERY_OP_EQ | 1u << QUERY_OP_NE | 1u << QUERY_OP_LT | 1u << QUERY_OP_LE |            \
	 1u << QUERY_OP_GT | 1u << QUERY_OP_GE)
#define QUERY_OPS_EQUALITY (1u << QUERY_OP_EQ | 1u << QUERY_OP_NE)

/* How a field names its argument: not at all (quality), after a dot
 * (score.NAME, meta.PATH with dots inside), or in parentheses
 * (flagged(NAME)). */
enum query_arg { QUERY_ARG_NONE, QUERY_ARG_NAME, QUERY_ARG_PATH, QUERY_ARG_PAREN };

/* What a field compares with. */
enum query_value_kind {
	QUERY_VAL_NONE,    /* no comparison: the predicate stands alone */
	QUERY_VAL_NUMBER,  /* a finite number */
	QUERY_VAL_TEXT,    /* a string (quoted, or a bare word) */
	QUERY_VAL_ENUM,    /* one of the row's words */
	QUERY_VAL_DATE,    /* YYYY-MM-DD, midnight UTC */
	QUERY_VAL_ANY,     /* a number or a string (ordering needs a number) */
	QUERY_VAL_PATTERN, /* a string (substring) or a /regex/ */
};

/* One field of the language. */
typedef struct query_field {
	const char *name;
	int arg;                    /* enum query_arg */
	int value;                  /* enum query_value_kind */
	unsigned ops;               /* bit (1u << op) per operator it takes */
	const char *const *words;   /* QUERY_VAL_ENUM: the allowed words, NULL-ended */
	const char *help;           /* one line for --help and error messages */
	bool scorer;                /* its argument names a scorer (query_check_scorers) */
} query_field;

/* The field table, and a row by name (NULL when there is none). */
const query_field *query_fields(size_t *n);
const query_field *query_field_find(const char *name, size_t len);
/* The spelling of an operator ("<=", "~"; "" for none). */
const char *query_op_name(int op);

/* A typed literal. Text is NUL-terminated and never holds a NUL. */
enum query_lit { QUERY_LIT_NONE, QUERY_LIT_NUMBER, QUERY_LIT_TEXT, QUERY_LIT_DATE,
		 QUERY_LIT_REGEX };
typedef struct query_value {
	int type;       /* enum query_lit */
	double number;  /* QUERY_LIT_NUMBER: finite */
	int64_t date;   /* QUERY_LIT_DATE: unix ms of midnight UTC */
	char *text;     /* QUERY_LIT_TEXT, QUERY_LIT_REGEX (the pattern, unescaped) */
} query_value;

enum query_kind { QUERY_AND, QUERY_OR, QUERY_NOT, QUERY_PRED };

/* A node of the AST. and/or hold two or more kids (a chain such as
 * `a and b and c` is one node), not one kid; a predicate holds its field,
 * argument, operator and value. */
typedef struct query_expr {
	int kind;                   /* enum query_kind */
	size_t col;                 /* 1-based column where it starts */
	struct query_expr **kids;
	size_t n_kids;
	const query_field *field;   /* QUERY_PRED: a row of query_fields() */
	char *arg;                  /* score.NAME, meta.PATH, flagged(NAME); else NULL */
	size_t arg_col;             /* 1-based column where arg is written (its quote) */
	int op;                     /* enum query_op */
	query_value value;
} query_expr;

/* Parses len bytes of src (no NUL needed). On success *out gets the AST
 * (free with query_free). On failure returns ASSAY_EINVAL (ASSAY_ENOMEM
 * when memory ran out) with err->msg "column N: what was expected, got
 * what" followed by the expression and a caret under column N on two
 * more lines (the expression cut to a window around N, with anything
 * unprintable shown as ?); *err_col (when not NULL) gets N, which is at
 * most the expression's length in code points plus one. Columns count
 * code points (an invalid byte counts one). */
int query_parse(const char *src, size_t len, query_expr **out, size_t *err_col,
		assay_error *err);
void query_free(query_expr *e);

/* Checks every scorer e names (the argument of each field whose row says
 * scorer: flagged(NAME), score.NAME) with known(ud, name). The parser
 * cannot know them (a database may hold scorers of its own), so the
 * caller asks once it has what knows them. The first unknown fails as
 * query_parse does (ASSAY_EINVAL, "column N: no scorer named "NAME"
 * (known: KNOWN)", then src, the len bytes e was parsed from, and a caret
 * under the name; *err_col N when not NULL). */
int query_check_scorers(const query_expr *e, const char *src, size_t len,
			bool (*known)(void *ud, const char *name), void *ud, const char *known_list,
			size_t *err_col, assay_error *err);

/* The canonical spelling of e: lowercase keywords, one space around
 * operators, parentheses only where precedence needs them, strings quoted
 * only when a bare word would not read back the same, numbers in the
 * shortest form that reads back exactly. Caller frees; NULL on ENOMEM.
 * query_parse(query_print(e)) gives an AST equal to e (query_equal). */
char *query_print(const query_expr *e);

/* Whether two ASTs are the same expression (columns aside). */
bool query_equal(const query_expr *a, const query_expr *b);

#endif
