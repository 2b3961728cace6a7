/* fields.c — the fields of the --where language, one row each: what a
 * field is called, how it names its argument, what it compares with and
 * with which operators. The parser and the printer read only this table;
 * the store has its own table of how each field becomes SQL. */
#include "query_int.h"

#include <string.h>

static const char *const verdict_words[] = {"accepted", "edited",    "rejected",
					    "skipped",  "undecided", NULL};
/* the kinds the scorers take; undeclared: a batch imported without
 * import --kind (its kind guessed from the text's field name and context) */
static const char *const kind_words[] = {"caption", "response", "text", "undeclared", NULL};

#define MATCH (1u << QUERY_OP_MATCH)
#define EQ_ONLY (1u << QUERY_OP_EQ)

static const query_field fields[] = {
	{"flagged", QUERY_ARG_PAREN, QUERY_VAL_NONE, 0, NULL,
	 "flagged(NAME): the scorer NAME flagged the sample", true},
	{"score", QUERY_ARG_NAME, QUERY_VAL_NUMBER, QUERY_OPS_ORDER, NULL,
	 "score.NAME OP NUMBER: the value the scorer NAME gave", true},
	{"quality", QUERY_ARG_NONE, QUERY_VAL_NUMBER, QUERY_OPS_ORDER, NULL,
	 "quality OP NUMBER: the combined quality score", false},
	{"learned", QUERY_ARG_NONE, QUERY_VAL_NUMBER, QUERY_OPS_ORDER, NULL,
	 "learned OP NUMBER: the learned model's score", false},
	{"meta", QUERY_ARG_PATH, QUERY_VAL_ANY, QUERY_OPS_ORDER, NULL,
	 "meta.PATH OP VALUE: a field of the record's meta object (a string or a number)", false},
	{"batch", QUERY_ARG_NONE, QUERY_VAL_TEXT, QUERY_OPS_EQUALITY, NULL,
	 "batch = NAME: the batch the sample was imported in", false},
	{"kind", QUERY_ARG_NONE, QUERY_VAL_ENUM, QUERY_OPS_EQUALITY, kind_words,
	 "kind = K: caption, response or text as the scorers take it (the batch's import --kind, "
	 "else guessed from the text's field name and context); undeclared: no import --kind", false},
	{"verdict", QUERY_ARG_NONE, QUERY_VAL_ENUM, QUERY_OPS_EQUALITY, verdict_words,
	 "verdict = V: a current decision is V; undecided: none but skips", false},
	{"reason", QUERY_ARG_NONE, QUERY_VAL_TEXT, QUERY_OPS_EQUALITY | MATCH, NULL,
	 "reason = TEXT: a current rejection's reason (~ TEXT: contains it, any case)", false},
	{"annotator", QUERY_ARG_NONE, QUERY_VAL_TEXT, QUERY_OPS_EQUALITY, NULL,
	 "annotator = NAME: NAME made a current decision", false},
	{"conflict", QUERY_ARG_NONE, QUERY_VAL_NONE, 0, NULL,
	 "conflict: annotators' current verdicts (on a pair, preferences) differ", false},
	{"edited", QUERY_ARG_NONE, QUERY_VAL_NONE, 0, NULL,
	 "edited: an annotator's current verdict is an edit", false},
	{"pair", QUERY_ARG_NONE, QUERY_VAL_NONE, 0, NULL,
	 "pair: the sample is a pair of candidates to compare (import --pair)", false},
	{"decided_after", QUERY_ARG_NONE, QUERY_VAL_DATE, EQ_ONLY, NULL,
	 "decided_after = YYYY-MM-DD: a current decision from that day (UTC) on", false},
	{"decided_before", QUERY_ARG_NONE, QUERY_VAL_DATE, EQ_ONLY, NULL,
	 "decided_before = YYYY-MM-DD: a current decision before that day (UTC)", false},
	{"spotcheck", QUERY_ARG_NONE, QUERY_VAL_NUMBER, EQ_ONLY, NULL,
	 "spotcheck = N: drawn for the spot-check N of a bulk decision (decide --sample)", false},
	{"text", QUERY_ARG_NONE, QUERY_VAL_PATTERN, MATCH, NULL,
	 "text ~ TEXT: the text contains TEXT (ASCII letters in any case); ~ /REGEX/ matches",
	 false},
};

const query_field *query_fields(size_t *n)
{
	*n = ASSAY_ARRAY_LEN(fields);
	return fields;
}

const query_field *query_field_find(const char *name, size_t len)
{
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(fields); i++)
		if (strlen(fields[i].name) == len && memcmp(fields[i].name, name, len) == 0)
			return &fields[i];
	return NULL;
}

const char *query_op_name(int op)
{
	static const char *const names[] = {
		[QUERY_OP_NONE] = "", [QUERY_OP_EQ] = "=", [QUERY_OP_NE] = "!=",
		[QUERY_OP_LT] = "<",  [QUERY_OP_LE] = "<=", [QUERY_OP_GT] = ">",
		[QUERY_OP_GE] = ">=", [QUERY_OP_MATCH] = "~",
	};
	return op >= 0 && (size_t)op < ASSAY_ARRAY_LEN(names) ? names[op] : "";
}
