/* net_redact.h — the net layer's one redaction of what endpoints send back.
 * Every string of an answer (a judge's reason, a suggestion, a label, an
 * error message, a header value) goes through net_redact, decoded, before
 * it is stored, shown or logged; net_excerpt (net.h) redacts the same way
 * before it cleans and shortens. */
#ifndef ASSAY_NET_REDACT_H
#define ASSAY_NET_REDACT_H

#include "assay/net.h"

/* Appends s[0..len) to out with "[redacted]" for each occurrence of secret
 * and of the values of $ASSAY_API_KEY, $OPENAI_API_KEY and
 * $ASSAY_EXPORT_TOKEN (keys of 4 bytes or more; also a start of one of at
 * least 4 bytes cut off by the end of the text), for "Bearer TOKEN" (the
 * word stays; a token of 8 characters with a digit, or of 24) and for key
 * shapes (sk-..., ghp_..., AKIA... and others: the table in redact.c).
 * Returns ASSAY_OK or ASSAY_ENOMEM. */
int net_redact(const char *s, size_t len, const char *secret, abuf *out);

/* net_excerpt of a server's raw text (an error body, a message holding
 * JSON) with its JSON escapes decoded first, so a key written with them
 * ("sk-\u0041...") is seen whole and redacted. */
void net_excerpt_escaped(const char *body, size_t len, const char *secret, char *out,
			 size_t cap);

#endif
