/* text_csv.h — one CSV field, made safe for a terminal and a spreadsheet:
 * the single cell writer behind every CSV assay writes (stats, agreement,
 * scorers, export). Pure: bytes in, bytes appended to a buffer. */
#ifndef ASSAY_TEXT_CSV_H
#define ASSAY_TEXT_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "assay/common.h"

enum text_csv_flags {
	/* A figure assay computed itself ("-0.12", "3", "1e-05"): when the
	 * whole field reads as a decimal number it is written as is, so a
	 * negative number stays a number. Anything else is treated as text. */
	TEXT_CSV_NUMBER = 1u << 0,
	/* --csv-raw: the exact bytes, only quoted as RFC 4180 requires (no
	 * placeholders, no formula guard). */
	TEXT_CSV_RAW = 1u << 1,
};

/* Appends s[0..n) as one CSV field (RFC 4180) to out.
 * Unless TEXT_CSV_RAW:
 *  - control characters are shown as the review screen shows them: C0
 *    controls and DEL as ^X (ESC "^[", BEL "^G", NUL "^@", DEL "^?", a CR
 *    not followed by LF "^M"), C1 controls and bidi controls as <U+XXXX>
 *    ("<U+009B>", "<U+202E>"), invalid UTF-8 bytes as U+FFFD; TAB, LF and
 *    CRLF are kept;
 *  - a text field starting with =, +, -, @, TAB or CR gets a ' in front
 *    (the OWASP rule against formula injection).
 * The field is quoted (quotes doubled) when it holds a comma, quote, CR or
 * LF, or starts or ends with a space or TAB. Returns ASSAY_OK or
 * ASSAY_ENOMEM. */
int text_csv_cell(abuf *out, const char *s, size_t n, unsigned flags);

/* True when s[0..n) is a plain decimal number: -?D+(.D+)?([eE][+-]?D+)?. */
bool text_csv_is_number(const char *s, size_t n);

#endif
