/* html_int.h — what the parts of the HTML report (html.c, html_pairs.c)
 * share. Not part of the audit layer's face. */
#ifndef ASSAY_AUDIT_HTML_INT_H
#define ASSAY_AUDIT_HTML_INT_H

#include "assay/audit_stats.h"

/* Appends s with &, <, >, " and ' escaped, and control bytes dropped. */
void audit_html_esc(abuf *b, const char *s);

/* The "Pairs" section (win rates and the Bradley-Terry ranking of the
 * generator models, position bias, agreement, the flip rate of the
 * claimed chosen), as `stats --pairs` has them; nothing when no pair has
 * a preference. A sliced report (where set) says the figures are of
 * whole batches and leaves them out, as `stats --pairs` refuses --where. */
int audit_html_pairs(store *s, const store_where *where, abuf *b, assay_error *err);

#endif
