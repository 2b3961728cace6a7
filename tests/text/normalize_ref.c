/* normalize_ref.c — the reference for text_normalize: its code before the
 * piecewise form, unchanged but for the name (every input through
 * utf8proc_map as a whole, after text_utf8_repair). */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "normalize_ref.h"

static bool ascii_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Unicode White_Space. */
static bool uni_space(uint32_t cp)
{
	if (cp < 0x80)
		return ascii_space((unsigned char)cp);
	return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
	       cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

static int normalize_ascii(const char *s, size_t n, abuf *out)
{
	if (abuf_reserve(out, n) < 0)
		return ASSAY_ENOMEM;
	char *d = out->data + out->len;
	size_t k = 0;
	bool pending_space = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (ascii_space(c)) {
			pending_space = k > 0;
			continue;
		}
		if (pending_space) {
			d[k++] = ' ';
			pending_space = false;
		}
		d[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out->len += k;
	out->data[out->len] = '\0';
	return ASSAY_OK;
}

static int normalize_unicode(const char *s, size_t n, abuf *out)
{
	size_t rn = 0;
	char *repaired = text_utf8_repair(s, n, &rn);
	if (!repaired)
		return ASSAY_ENOMEM;
	utf8proc_uint8_t *mapped = NULL;
	utf8proc_ssize_t mn =
	    utf8proc_map((const utf8proc_uint8_t *)repaired, (utf8proc_ssize_t)rn, &mapped,
			 UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
			     UTF8PROC_IGNORE);
	free(repaired);
	if (mn < 0)
		return ASSAY_ENOMEM;
	int rc = abuf_reserve(out, (size_t)mn);
	bool pending_space = false, any = false;
	for (utf8proc_ssize_t i = 0; rc == ASSAY_OK && i < mn;) {
		uint32_t cp;
		bool ok;
		size_t len = text_utf8_next((const char *)mapped + i, (size_t)(mn - i), &cp, &ok);
		if (uni_space(cp)) {
			pending_space = any;
		} else if (utf8proc_category((utf8proc_int32_t)cp) != UTF8PROC_CATEGORY_CF) {
			if (pending_space)
				rc |= abuf_putc(out, ' ');
			pending_space = false;
			any = true;
			rc |= abuf_append(out, mapped + i, len);
		}
		i += (utf8proc_ssize_t)len;
	}
	free(mapped);
	return rc ? ASSAY_ENOMEM : ASSAY_OK;
}

int ref_normalize(const char *s, size_t n, abuf *out)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return normalize_unicode(s, n, out);
	return normalize_ascii(s, n, out);
}
