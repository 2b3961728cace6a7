/* lit.c — the literals of the --where language: strings with escapes,
 * regexes (checked with the C library's regcomp, as the store runs them),
 * numbers read the same whatever the locale, and calendar dates. */
#include "query_int.h"

#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "assay/text.h"

static int hex4(const char *s, size_t n, uint32_t *v)
{
	*v = 0;
	for (size_t i = 0; i < 4; i++) {
		if (i >= n || !isxdigit((unsigned char)s[i]))
			return -1;
		char c = s[i];
		*v = *v << 4 | (uint32_t)(isdigit((unsigned char)c) ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return 0;
}

/* \uXXXX at s (after the backslash and u), a surrogate pair whole; *used
 * gets the bytes read after the u. -1 when not a code point. */
static int unicode_escape(const char *s, size_t n, uint32_t *cp, size_t *used)
{
	if (hex4(s, n, cp) < 0)
		return -1;
	*used = 4;
	if (*cp >= 0xdc00 && *cp <= 0xdfff)
		return -1;
	if (*cp >= 0xd800 && *cp <= 0xdbff) {
		uint32_t lo;
		if (n < 10 || s[4] != '\\' || s[5] != 'u' || hex4(s + 6, n - 6, &lo) < 0 ||
		    lo < 0xdc00 || lo > 0xdfff)
			return -1;
		*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
		*used = 10;
	}
	return *cp == 0 ? -1 : 0;
}

int qlit_string(qparser *p, const tok *t, char **out)
{
	const char *s = p->src + t->off + 1;
	size_t n = t->len - 2;
	abuf b = {0};
	abuf_reserve(&b, n + 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			abuf_putc(&b, s[i]);
			continue;
		}
		size_t at = (size_t)(s + i - p->src);
		char e = ++i < n ? s[i] : '\0';
		const char *plain = strchr("\"\\/nrt", e);
		if (e && plain) {
			abuf_putc(&b, "\"\\/\n\r\t"[plain - "\"\\/nrt"]);
			continue;
		}
		uint32_t cp;
		size_t used;
		char u8[4];
		if (e != 'u' || unicode_escape(s + i + 1, n - i - 1, &cp, &used) < 0) {
			abuf_free(&b);
			return qerr(p, at, "%s in a string (escapes: \\\" \\\\ \\/ \\n \\r \\t and "
					   "\\uXXXX, not U+0000 or a lone surrogate)",
				    e == 'u' ? "a bad \\u escape" : "an unknown escape");
		}
		abuf_append(&b, u8, text_utf8_encode(cp, u8));
		i += used;
	}
	if (!(*out = abuf_take(&b)))
		return assay_fail(p->err, ASSAY_ENOMEM, "out of memory");
	return ASSAY_OK;
}

/* The C library's regcomp copies a repeated part once per + and up to the
 * bound of {m,n}, so a+++...+ or ((a{99}){99}){99} takes exponential time
 * and memory to compile. This estimates the compiled size (a repetition
 * multiplies what it repeats) so such a pattern is refused before regcomp.
 * Back-references, which make matching exponential, are refused too.
 * Returns NULL, or why the pattern is refused; *at gets its offset. */
#define REGEX_MAX_SIZE 4000
#define REGEX_MAX_GROUPS 32

static size_t bracket_end(const char *re, size_t i)
{
	size_t j = i + 1;
	j += re[j] == '^';
	j += re[j] == ']';
	while (re[j] && re[j] != ']')
		j += re[j] == '[' && (re[j + 1] == ':' || re[j + 1] == '.' || re[j + 1] == '=')
			     ? 2 + strcspn(re + j + 2, "]")
			     : 1;
	return re[j] ? j : i;
}

static const char *regex_too_big(const char *re, size_t *at)
{
	double total[REGEX_MAX_GROUPS + 1] = {0}, last[REGEX_MAX_GROUPS + 1] = {0};
	int d = 0;
	bool after_repeat = false; /* the previous token was * + ? or {m,n} */
	for (size_t i = 0; re[i]; i++) {
		*at = i;
		double atom = 1, factor = 1;
		char c = re[i];
		bool repeat = c == '*' || c == '+' || c == '?' || c == '{';
		/* a repetition of a repetition (a**, s?*+++) means what one does,
		 * and makes the C library's regcomp take seconds or minutes */
		if (repeat && after_repeat)
			return "stacked repetitions (write one: a* rather than a*+)";
		after_repeat = repeat;
		if (c == '\\' && re[i + 1] >= '1' && re[i + 1] <= '9')
			return "back-references are not supported";
		if (c == '\\' && re[i + 1])
			i++;
		else if (c == '[')
			i = bracket_end(re, i);
		else if (c == '(') {
			if (++d > REGEX_MAX_GROUPS)
				return "groups nested too deeply";
			total[d] = last[d] = 0;
			continue;
		} else if (c == ')' && d > 0) {
			atom = total[d--] + 1;
		} else if (c == '|') {
			last[d] = 0;
			continue;
		} else if (c == '+' || c == '{') {
			unsigned long m = 1, n = 0;
			char *end = (char *)re + i;
			if (c == '{') {
				m = strtoul(re + i + 1, &end, 10);
				n = *end == ',' ? strtoul(end + 1, &end, 10) : 0;
			}
			factor = (double)(m > n ? m : n) + 1;
			i = c == '{' && *end == '}' ? (size_t)(end - re) : i;
		} else if (c == '*' || c == '?') {
			continue;
		}
		if (factor > 1) {
			total[d] += last[d] * (factor - 1);
			last[d] *= factor;
		} else {
			total[d] += atom;
			last[d] = atom;
		}
		if (total[d] > REGEX_MAX_SIZE)
			return "too complex (repetitions of repetitions)";
	}
	return NULL;
}

/* The index of the first escape outside a bracket expression that POSIX
 * ERE does not define as a literal (\ before a letter or digit, and the C
 * library's word escapes \< \> \` \'), or the index of the final NUL.
 * The C library reads \w, \s, \b as classes and boundaries, the
 * PostgreSQL server as the letters themselves: both refuse them. */
static size_t regex_odd_escape(const char *re)
{
	size_t i = 0;
	for (; re[i]; i++) {
		if (re[i] == '[') {
			i = bracket_end(re, i);
		} else if (re[i] == '\\' && re[i + 1]) {
			unsigned char c = (unsigned char)re[i + 1];
			if ((isalnum(c) && !(c >= '1' && c <= '9')) || strchr("<>`'", c))
				return i;
			i++;
		}
	}
	return i;
}

int qlit_regex(qparser *p, const tok *t, char **out)
{
	const char *s = p->src + t->off + 1;
	size_t n = t->len - 2;
	abuf b = {0};
	abuf_reserve(&b, n + 1);
	/* \/ is a slash; any other escape is the regex's own and stays */
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && s[i + 1] == '/')
			abuf_putc(&b, s[++i]);
		else if (s[i] == '\\' && i + 1 < n)
			abuf_append(&b, s + i++, 2);
		else
			abuf_putc(&b, s[i]);
	}
	char *re = abuf_take(&b);
	if (!re)
		return assay_fail(p->err, ASSAY_ENOMEM, "out of memory");
	if (!*re) {
		free(re);
		return qerr(p, t->off, "an empty regex");
	}
	size_t at = regex_odd_escape(re);
	if (re[at]) {
		/* the column of the escape in the source: one more for each \/ before it */
		size_t src = 1;
		for (size_t i = 0, o = 0; o < at && i < n; o++, i++, src++)
			if (s[i] == '\\' && i + 1 < n && s[i + 1] == '/') {
				i++;
				src++;
			}
		int rc = qerr(p, t->off + src,
			      "a regex escape \\%c: a POSIX regex has no such escape (it would mean "
			      "different things to different stores); write a class such as "
			      "[[:alnum:]_], [[:space:]] or [[:digit:]], or \\ before punctuation only",
			      re[at + 1]);
		free(re);
		return rc;
	}
	at = 0;
	const char *big = regex_too_big(re, &at);
	if (big) {
		free(re);
		return qerr(p, t->off, "a regex %s", big);
	}
	regex_t rx;
	int rc = regcomp(&rx, re, REG_EXTENDED | REG_ICASE | REG_NOSUB);
	if (rc != 0) {
		char why[128];
		regerror(rc, &rx, why, sizeof why);
		free(re);
		return qerr(p, t->off, "a bad regex: %s", why);
	}
	regfree(&rx);
	*out = re;
	return ASSAY_OK;
}

bool qlit_number(const char *s, size_t n, double *out, bool *range)
{
	/* [+-] digits [. digits] [e [+-] digits], or [+-] . digits [...] */
	size_t i = 0, digits = 0;
	*range = false;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < n && isdigit((unsigned char)s[i]); i++)
		digits++;
	if (i < n && s[i] == '.')
		for (i++; i < n && isdigit((unsigned char)s[i]); i++)
			digits++;
	if (!digits)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t exp = 0;
		if (++i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (; i < n && isdigit((unsigned char)s[i]); i++)
			exp++;
		if (!exp)
			return false;
	}
	if (i != n || n > 400)
		return false;
	char buf[401];
	memcpy(buf, s, n);
	buf[n] = '\0';
	/* the C locale's decimal point, whatever LC_NUMERIC says */
	locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	locale_t old = c ? uselocale(c) : (locale_t)0;
	*out = strtod(buf, NULL);
	if (c) {
		uselocale(old);
		freelocale(c);
	}
	*range = !isfinite(*out);
	return !*range;
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The number the k digits at s spell (s need not end in a NUL). */
static int digits_at(const char *s, size_t k)
{
	int v = 0;
	for (size_t i = 0; i < k; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

bool qlit_date(const char *s, size_t n, int64_t *ms)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (n != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return false;
	int y = digits_at(s, 4), m = digits_at(s + 5, 2), d = digits_at(s + 8, 2);
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap(y)))
		return false;
	*ms = days_from_civil(y, m, d) * 86400000;
	return true;
}

void qlit_date_format(int64_t ms, char *out)
{
	int64_t z = ms / 86400000 + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp + (mp < 10 ? 3 : -9);
	int64_t y = yoe + era * 400 + (m <= 2);
	snprintf(out, 16, "%04u-%02u-%02u", (unsigned short)y, (unsigned char)m, (unsigned char)d);
}
