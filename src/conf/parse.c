/* parse.c — the line grammar of config and theme files: comments, sections,
 * `key = value`, quoted values and comma lists, with NAME:LINE messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool is_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-';
}

bool conf_key_valid(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (s[i + 1] == '.')
				return false;
		} else if (!is_name_char(s[i])) {
			return false;
		}
	}
	return true;
}

/* Length of the UTF-8 sequence at p[0..n), 0 when invalid (strict: no
 * overlongs, surrogates or code points past U+10FFFF). *cp gets the value. */
static size_t utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned char c = p[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		len = 2, v = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3, v = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

/* Offset of the first invalid UTF-8 byte in s[0..n), or n. */
static size_t utf8_bad(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	uint32_t cp;
	while (i < n) {
		size_t len = utf8_seq(p + i, n - i, &cp);
		if (len == 0)
			return i;
		i += len;
	}
	return n;
}

/* Characters a message must not pass to a terminal as they are. */
static bool unsafe_cp(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
	       cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

void conf_excerpt(char *out, size_t outlen, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i = 0;
	if (outlen == 0)
		return;
	while (i < n) {
		uint32_t cp;
		size_t len = utf8_seq(p + i, n - i, &cp);
		char piece[16];
		size_t plen;
		if (len == 0) {
			plen = (size_t)snprintf(piece, sizeof piece, "\\x%02x", p[i]);
			len = 1;
		} else if (len == 1 && (cp == '"' || cp == '\\')) {
			plen = (size_t)snprintf(piece, sizeof piece, "\\%c", (char)cp);
		} else if (unsafe_cp(cp)) {
			plen = (size_t)snprintf(piece, sizeof piece, "\\u%04x", (unsigned)cp);
		} else {
			memcpy(piece, p + i, len);
			plen = len;
		}
		if (o + plen > 40 || o + plen + 4 > outlen) {
			if (o + 4 <= outlen) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(out + o, piece, plen);
		o += plen;
		i += len;
	}
	out[o] = '\0';
}

/* Reads the list item starting at s[*i] (after leading blanks) up to the
 * comma ending it or the end; appends its text to out when out is not NULL;
 * leaves *i after the comma (or at n) and sets *quoted and *comma. */
static int read_item(const char *s, size_t n, size_t *i, abuf *out, bool *quoted, bool *comma,
		     char *why, size_t whylen)
{
	size_t k = *i;
	while (k < n && is_space(s[k]))
		k++;
	*quoted = k < n && s[k] == '"';
	*comma = false;
	if (!*quoted) {
		size_t start = k, end;
		while (k < n && s[k] != ',' && s[k] != '"')
			k++;
		if (k < n && s[k] == '"') {
			char ex[64];
			conf_excerpt(ex, sizeof ex, s, n);
			snprintf(why, whylen, "expected a value quoted whole, got \"%s\"", ex);
			return ASSAY_EFORMAT;
		}
		end = k;
		while (end > start && is_space(s[end - 1]))
			end--;
		if (out && abuf_append(out, s + start, end - start) != ASSAY_OK)
			return ASSAY_ENOMEM;
		*comma = k < n;
		*i = k < n ? k + 1 : k;
		return ASSAY_OK;
	}
	for (k++;; k++) {
		if (k >= n) {
			snprintf(why, whylen, "unterminated quote (expected a closing \")");
			return ASSAY_EFORMAT;
		}
		char ch = s[k];
		if (ch == '"')
			break;
		if (ch == '\\') {
			if (k + 1 >= n)
				continue;
			char e = s[k + 1];
			char dec = e == '"'    ? '"'
				   : e == '\\' ? '\\'
				   : e == 'n'  ? '\n'
				   : e == 't'  ? '\t'
					       : 0;
			if (!dec) {
				char ex[64];
				uint32_t cp;
				size_t len =
				    utf8_seq((const unsigned char *)s + k + 1, n - k - 1, &cp);
				conf_excerpt(ex, sizeof ex, s + k + 1, len ? len : 1);
				snprintf(why, whylen,
					 "unknown escape \"\\%s\" (expected \\\" \\\\ \\n or \\t)",
					 ex);
				return ASSAY_EFORMAT;
			}
			ch = dec;
			k++;
		}
		if (out && abuf_putc(out, ch) != ASSAY_OK)
			return ASSAY_ENOMEM;
	}
	for (k++; k < n && is_space(s[k]); k++)
		;
	if (k < n && s[k] != ',') {
		char ex[64];
		conf_excerpt(ex, sizeof ex, s + k, n - k);
		snprintf(why, whylen,
			 "expected \",\" or the end of the line after a closing quote, "
			 "got \"%s\"",
			 ex);
		return ASSAY_EFORMAT;
	}
	*comma = k < n;
	*i = k < n ? k + 1 : k;
	return ASSAY_OK;
}

int conf_value_parse(const char *s, size_t n, char **scalar, char **raw, char *why, size_t whylen)
{
	abuf first = {0};
	size_t i = 0, items = 0;
	bool quoted = false, first_quoted = false, comma = false;
	*scalar = *raw = NULL;
	do {
		int rc =
		    read_item(s, n, &i, items == 0 ? &first : NULL, &quoted, &comma, why, whylen);
		if (rc != ASSAY_OK) {
			abuf_free(&first);
			return rc;
		}
		if (items++ == 0)
			first_quoted = quoted;
	} while (comma);
	if (items == 1 && first_quoted)
		*scalar = abuf_take(&first);
	else
		*scalar = assay_strndup(s, n);
	abuf_free(&first);
	*raw = assay_strndup(s, n);
	if (!*scalar || !*raw) {
		free(*scalar);
		free(*raw);
		*scalar = *raw = NULL;
		return ASSAY_ENOMEM;
	}
	return ASSAY_OK;
}

void conf_list_free(char **items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

/* Appends one item to a growing list. */
static int list_push(char ***items, size_t *n, size_t *cap, char *item)
{
	if (!item)
		return ASSAY_ENOMEM;
	if (ASSAY_GROW(*items, *n + 1, *cap, 8) < 0) {
		free(item);
		return ASSAY_ENOMEM;
	}
	(*items)[(*n)++] = item;
	return ASSAY_OK;
}

int conf_list_split(const char *s, bool literal, char ***items, size_t *n)
{
	size_t len = strlen(s), i = 0, cap = 0;
	bool more = len > 0;
	*items = NULL;
	*n = 0;
	while (more) {
		abuf item = {0};
		bool quoted = false, comma = false;
		char why[8];
		int rc;
		if (literal) {
			const char *end = memchr(s + i, ',', len - i);
			size_t stop = end ? (size_t)(end - s) : len, a = i, b = stop;
			while (a < b && is_space(s[a]))
				a++;
			while (b > a && is_space(s[b - 1]))
				b--;
			rc = abuf_append(&item, s + a, b - a);
			comma = end != NULL;
			i = end ? stop + 1 : len;
		} else {
			rc = read_item(s, len, &i, &item, &quoted, &comma, why, sizeof why);
		}
		more = comma;
		if (rc == ASSAY_OK && (quoted || item.len > 0))
			rc = list_push(items, n, &cap, abuf_take(&item));
		abuf_free(&item);
		if (rc != ASSAY_OK) {
			conf_list_free(*items, *n);
			*items = NULL;
			*n = 0;
			return rc;
		}
	}
	return ASSAY_OK;
}

/* Parses "[name]" into section; the line is trimmed and starts with '['. */
static int parse_section(const char *s, size_t n, abuf *section, char *why, size_t whylen)
{
	char ex[64];
	conf_excerpt(ex, sizeof ex, s, n);
	if (n < 2 || s[n - 1] != ']') {
		snprintf(why, whylen, "expected \"[section]\", got \"%s\"", ex);
		return ASSAY_EFORMAT;
	}
	size_t a = 1, b = n - 1;
	while (a < b && is_space(s[a]))
		a++;
	while (b > a && is_space(s[b - 1]))
		b--;
	if (!conf_key_valid(s + a, b - a)) {
		snprintf(why, whylen,
			 "expected a section name of letters, digits, '_', '-' and '.', got \"%s\"",
			 ex);
		return ASSAY_EFORMAT;
	}
	abuf_reset(section);
	return abuf_append(section, s + a, b - a);
}

/* Parses "key = value" under section into tmp. */
static int parse_pair(conf *tmp, const abuf *section, const char *s, size_t n, int line, char *why,
		      size_t whylen)
{
	char ex[64];
	const char *eq = memchr(s, '=', n);
	if (!eq || eq == s) {
		conf_excerpt(ex, sizeof ex, s, n);
		snprintf(why, whylen, "expected \"key = value\", got \"%s\"", ex);
		return ASSAY_EFORMAT;
	}
	size_t klen = (size_t)(eq - s);
	while (klen > 0 && is_space(s[klen - 1]))
		klen--;
	if (!conf_key_valid(s, klen)) {
		conf_excerpt(ex, sizeof ex, s, klen);
		snprintf(why, whylen,
			 "expected a key of letters, digits, '_', '-' and '.', got \"%s\"", ex);
		return ASSAY_EFORMAT;
	}
	abuf key = {0};
	if ((section->len && abuf_printf(&key, "%s.", section->data) != ASSAY_OK) ||
	    abuf_append(&key, s, klen) != ASSAY_OK) {
		abuf_free(&key);
		return ASSAY_ENOMEM;
	}
	long prev = conf_find(tmp, key.data);
	if (prev >= 0) {
		conf_excerpt(ex, sizeof ex, key.data, key.len);
		snprintf(why, whylen, "duplicate key \"%s\" (first set on line %d)", ex,
			 tmp->e[prev].line);
		abuf_free(&key);
		return ASSAY_EFORMAT;
	}
	if (tmp->n >= CONF_MAX_ENTRIES) {
		snprintf(why, whylen, "too many entries (the limit is %d)", CONF_MAX_ENTRIES);
		abuf_free(&key);
		return ASSAY_EFORMAT;
	}
	size_t v = (size_t)(eq - s) + 1;
	while (v < n && is_space(s[v]))
		v++;
	char *scalar, *raw;
	int rc = conf_value_parse(s + v, n - v, &scalar, &raw, why, whylen);
	if (rc != ASSAY_OK) {
		abuf_free(&key);
		return rc;
	}
	return conf_append(tmp, abuf_take(&key), scalar, raw, 0, line);
}

/* Checks a raw line for length, NUL bytes and UTF-8. */
static int check_line(const char *s, size_t n, char *why, size_t whylen)
{
	if (n > CONF_MAX_LINE) {
		snprintf(why, whylen, "line longer than %d bytes", CONF_MAX_LINE);
		return ASSAY_EFORMAT;
	}
	const char *nul = memchr(s, '\0', n);
	if (nul) {
		snprintf(why, whylen, "NUL byte at column %zu (expected text)",
			 (size_t)(nul - s) + 1);
		return ASSAY_EFORMAT;
	}
	size_t bad = utf8_bad(s, n);
	if (bad < n) {
		snprintf(why, whylen, "invalid UTF-8 at column %zu", bad + 1);
		return ASSAY_EFORMAT;
	}
	return ASSAY_OK;
}

/* Parses one line (without its newline) into tmp. */
static int parse_line(conf *tmp, abuf *section, const char *s, size_t n, int line, char *why,
		      size_t whylen)
{
	int rc = check_line(s, n, why, whylen);
	if (rc != ASSAY_OK)
		return rc;
	while (n > 0 && is_space(*s))
		s++, n--;
	while (n > 0 && is_space(s[n - 1]))
		n--;
	if (n == 0 || s[0] == '#' || s[0] == ';')
		return ASSAY_OK;
	if (s[0] == '[')
		return parse_section(s, n, section, why, whylen);
	return parse_pair(tmp, section, s, n, line, why, whylen);
}

int conf_parse(conf *tmp, const char *name, const char *text, size_t n, assay_error *err)
{
	size_t origin;
	if (n > CONF_MAX_FILE)
		return assay_fail(err, ASSAY_EFORMAT, "%s: file larger than %d bytes (1 MiB)", name,
				  CONF_MAX_FILE);
	if (conf_add_origin(tmp, name, &origin) != ASSAY_OK)
		return assay_fail(err, ASSAY_ENOMEM, "%s: out of memory", name);
	size_t pos = n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	abuf section = {0};
	int line = 0, rc = ASSAY_OK;
	char why[256];
	while (pos < n && rc == ASSAY_OK) {
		const char *s = text + pos, *nl = memchr(s, '\n', n - pos);
		size_t len = nl ? (size_t)(nl - s) : n - pos;
		pos += len + (nl != NULL);
		line++;
		if (len > 0 && s[len - 1] == '\r')
			len--;
		rc = parse_line(tmp, &section, s, len, line, why, sizeof why);
	}
	abuf_free(&section);
	if (rc == ASSAY_ENOMEM)
		return assay_fail(err, rc, "%s:%d: out of memory", name, line);
	if (rc != ASSAY_OK)
		return assay_fail(err, rc, "%s:%d: %s", name, line, why);
	return ASSAY_OK;
}
