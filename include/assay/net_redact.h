/* net_redact.h — the net layer's one redaction of what endpoints send back.
 * Every string of an answer (a judge's reason, a suggestion, a label, an
 * error message, a header value) goes through net_redact, decoded, before
 * it is stored, shown or logged; net_excerpt (net.h) redacts the same way
 * before it cleans and shortens. */
#ifndef ASSAY_NET_REDACT_H
#define ASSAY_NET_REDACT_H

#include "assay/net.h"

/* Appends s[0..len) to out with "[redacted]" for each run of text that
 * holds secret or the value of $ASSAY_API_KEY, $OPENAI_API_KEY or
 * $ASSAY_EXPORT_TOKEN (keys of 4 bytes or more) in any ASCII case, split or
 * not by white space, controls or invisible format characters (U+200B,
 * U+FEFF, U+00AD...), or any 8 consecutive characters of one (a part of a
 * key, its end; a start of 4 or more cut off by the end of the text); for
 * "Bearer TOKEN" and "Basic TOKEN" (the word stays; a token of 8 characters
 * with a digit, or of 24, or one decoding to "user:password"), for JSON web
 * tokens (eyJ...) and for key shapes (sk-..., ghp_..., AKIA... and others:
 * the table in redact.c), also glued to a word when they hold a digit.
 * Returns ASSAY_OK or ASSAY_ENOMEM. */
int net_redact(const char *s, size_t len, const char *secret, abuf *out);

/* net_excerpt of a server's raw text (an error body, a message holding
 * JSON) with its JSON escapes decoded first, so a key written with them
 * ("sk-\u0041...") is seen whole and redacted. */
void net_excerpt_escaped(const char *body, size_t len, const char *secret, char *out,
			 size_t cap);

#endif
