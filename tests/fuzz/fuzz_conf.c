/* fuzz_conf.c — libFuzzer target for the conf format and themes: any bytes
 * go through conf_load_string, the getters, list splitting, iteration, the
 * theme mapping and the style parser; a formatted style must parse back. */
#include <stdlib.h>
#include <string.h>

#include "assay/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Exercises every getter on every key of c. */
static void walk(const conf *c)
{
	size_t pos = 0;
	const char *key, *value;
	while (conf_next(c, "", &pos, &key, &value)) {
		double d;
		long l;
		bool b;
		char **items;
		size_t n;
		assay_error err;
		int line;
		if (strcmp(conf_get(c, key, ""), value) != 0 || !conf_origin(c, key, &line))
			abort();
		conf_get_double(c, key, 0, -1e9, 1e9, &d, &err);
		conf_get_int(c, key, 0, -1000, 1000, &l, &err);
		conf_get_bool(c, key, false, &b, &err);
		if (conf_get_list(c, key, &items, &n) == ASSAY_OK)
			conf_list_free(items, n);
	}
}

/* A style spec that parses must survive a format/parse round trip. */
static void style_round_trip(const char *spec)
{
	conf_style s, back;
	char why[256], buf[256];
	if (conf_style_parse(spec, &s, why, sizeof why) != ASSAY_OK)
		return;
	conf_style_format(&s, buf, sizeof buf);
	if (conf_style_parse(buf, &back, why, sizeof why) != ASSAY_OK || back.fg != s.fg ||
	    back.bg != s.bg || back.attrs != s.attrs)
		abort();
	for (int role = 0; role < CONF_ROLE_COUNT; role++) {
		conf_theme t;
		conf_theme_init(&t);
		t.style[role] = s;
		static const int counts[] = {256, 88, 16, 8, 0};
		for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
			conf_style o = conf_theme_style(&t, (enum conf_role)role, counts[k], false);
			if (o.fg >= (counts[k] ? counts[k] : 1) ||
			    o.bg >= (counts[k] ? counts[k] : 1))
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	assay_error err;
	conf *c = conf_new();
	if (!c)
		return 0;
	if (conf_load_string(c, "fuzz.conf", (const char *)data, size, &err) == ASSAY_OK) {
		walk(c);
		conf_theme t;
		conf_theme_from_conf(c, &t, &err);
		/* Loading the same text twice overrides every key: no duplicates. */
		size_t n = conf_count(c);
		if (conf_load_string(c, "again", (const char *)data, size, &err) != ASSAY_OK ||
		    conf_count(c) != n)
			abort();
	}
	conf_free(c);
	char *spec = malloc(size + 1);
	if (spec) {
		memcpy(spec, data, size);
		spec[size] = '\0';
		style_round_trip(spec);
		free(spec);
	}
	return 0;
}
