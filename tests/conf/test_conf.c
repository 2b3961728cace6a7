/* test_conf.c — the key table: later loads override earlier ones, conf_set,
 * origins, iteration by prefix, and a large table. */
#include "assay/conf.h"
#include "unit.h"

static int load(conf *c, const char *name, const char *text)
{
	assay_error err;
	int rc = conf_load_string(c, name, text, strlen(text), &err);
	if (rc != 0)
		printf("#   %s\n", err.msg);
	return rc;
}

TEST(test_later_loads_override)
{
	conf *c = conf_new();
	CHECK_INT(load(c, "user", "a = 1\nb = 2\n[s]\nk = user\n"), 0);
	CHECK_INT(load(c, "assay.conf", "\n[s]\nk = local\nnew = 3\n"), 0);
	CHECK_STR(conf_get(c, "a", NULL), "1");
	CHECK_STR(conf_get(c, "s.k", NULL), "local");
	CHECK_STR(conf_get(c, "s.new", NULL), "3");
	int line = -1;
	CHECK_STR(conf_origin(c, "s.k", &line), "assay.conf");
	CHECK_INT(line, 3);
	CHECK_STR(conf_origin(c, "a", &line), "user");
	CHECK_INT(line, 1);
	CHECK(conf_origin(c, "missing", &line) == NULL);
	CHECK_INT(conf_count(c), 4);
	conf_free(c);
}

TEST(test_set_overrides_files)
{
	conf *c = conf_new();
	CHECK_INT(load(c, "f", "score.threshold = 0.5\n"), 0);
	CHECK_INT(conf_set(c, "score.threshold", "0.9"), 0);
	CHECK_INT(conf_set(c, "db", "\"quoted\", kept"), 0);
	CHECK_STR(conf_get(c, "score.threshold", NULL), "0.9");
	CHECK_STR(conf_get(c, "db", NULL), "\"quoted\", kept");
	int line = -1;
	CHECK_STR(conf_origin(c, "db", &line), "command line");
	CHECK_INT(line, 0);
	CHECK_INT(conf_set(c, "bad key", "x"), ASSAY_EINVAL);
	CHECK_INT(conf_set(c, "", "x"), ASSAY_EINVAL);
	CHECK_INT(conf_set(c, "k", NULL), ASSAY_EINVAL);
	/* A later file overrides a flag too: the caller decides the order. */
	CHECK_INT(load(c, "g", "db = file\n"), 0);
	CHECK_STR(conf_get(c, "db", NULL), "file");
	CHECK_STR(conf_origin(c, "db", &line), "g");
	conf_free(c);
}

TEST(test_set_list_is_literal)
{
	conf *c = conf_new();
	char **items;
	size_t n;
	CHECK_INT(conf_set(c, "reasons", " a , \"b, c\" ,, d"), 0);
	CHECK_INT(conf_get_list(c, "reasons", &items, &n), 0);
	CHECK_INT(n, 4);
	if (n == 4) {
		CHECK_STR(items[0], "a");
		CHECK_STR(items[1], "\"b");
		CHECK_STR(items[2], "c\"");
		CHECK_STR(items[3], "d");
	}
	conf_list_free(items, n);
	conf_free(c);
}

TEST(test_get_defaults)
{
	conf *c = conf_new();
	CHECK_STR(conf_get(c, "x", "dflt"), "dflt");
	CHECK(conf_get(c, "x", NULL) == NULL);
	CHECK(!conf_has(c, "x"));
	CHECK_INT(load(c, "f", "x = \n"), 0);
	CHECK(conf_has(c, "x"));
	CHECK_STR(conf_get(c, "x", "dflt"), "");
	conf_free(c);
}

TEST(test_iterate_prefix_in_order)
{
	conf *c = conf_new();
	CHECK_INT(load(c, "f",
		       "[weights]\ngopher = 1.0\nrepetition = 0.5\n[score.repetition]\n"
		       "threshold = 0.3\n[weightsx]\nz = 1\n"),
		  0);
	CHECK_INT(load(c, "g", "weights.gopher = 2.0\nweights.lang = 0.1\n"), 0);
	size_t pos = 0;
	const char *k, *v;
	char seen[256] = "";
	while (conf_next(c, "weights.", &pos, &k, &v)) {
		strcat(seen, k);
		strcat(seen, "=");
		strcat(seen, v);
		strcat(seen, ";");
	}
	/* First-set order; an override keeps its place. */
	CHECK_STR(seen, "weights.gopher=2.0;weights.repetition=0.5;weights.lang=0.1;");
	pos = 0;
	int all = 0;
	while (conf_next(c, "", &pos, &k, &v))
		all++;
	CHECK_INT(all, 5);
	pos = 0;
	CHECK(!conf_next(c, "nothing.", &pos, &k, &v));
	pos = 0;
	CHECK(conf_next(c, NULL, &pos, &k, &v));
	CHECK_STR(k, "weights.gopher");
	conf_free(c);
}

TEST(test_many_keys_across_loads)
{
	conf *c = conf_new();
	abuf b = {0};
	for (int i = 0; i < 6000; i++)
		abuf_printf(&b, "k%d = a%d\n", i, i);
	CHECK_INT(load(c, "one", b.data), 0);
	abuf_reset(&b);
	for (int i = 3000; i < 7000; i++)
		abuf_printf(&b, "k%d = b%d\n", i, i);
	CHECK_INT(load(c, "two", b.data), 0);
	CHECK_INT(conf_count(c), 7000);
	CHECK_STR(conf_get(c, "k0", NULL), "a0");
	CHECK_STR(conf_get(c, "k2999", NULL), "a2999");
	CHECK_STR(conf_get(c, "k3000", NULL), "b3000");
	CHECK_STR(conf_get(c, "k6999", NULL), "b6999");
	/* 7000 + 3001 new keys is one too many, named at its line. */
	abuf_reset(&b);
	for (int i = 0; i < 3001; i++)
		abuf_printf(&b, "n%d = 1\n", i);
	assay_error err;
	CHECK_INT(conf_load_string(c, "three", b.data, b.len, &err), ASSAY_EFORMAT);
	CHECK_STR(err.msg, "three:3001: too many entries (the limit is 10000)");
	CHECK_INT(conf_count(c), 7000);
	/* conf_set respects the cap too, but may replace. */
	abuf_reset(&b);
	for (int i = 0; i < 3000; i++)
		abuf_printf(&b, "n%d = 1\n", i);
	CHECK_INT(load(c, "four", b.data), 0);
	CHECK_INT(conf_set(c, "one.more", "x"), ASSAY_EFORMAT);
	CHECK_INT(conf_set(c, "k1", "x"), 0);
	CHECK_STR(conf_get(c, "k1", NULL), "x");
	abuf_free(&b);
	conf_free(c);
}

TEST(test_free_null)
{
	conf_free(NULL);
	conf_list_free(NULL, 0);
}

UNIT_MAIN(UNIT_CASE(test_later_loads_override), UNIT_CASE(test_set_overrides_files),
	  UNIT_CASE(test_set_list_is_literal), UNIT_CASE(test_get_defaults),
	  UNIT_CASE(test_iterate_prefix_in_order), UNIT_CASE(test_many_keys_across_loads),
	  UNIT_CASE(test_free_null))
