/* test_schema.c — the configuration's sections and keys: every key a reader
 * takes passes, a misspelt section or key is refused with its file and line
 * (or the option that set it) and the names known instead. */
#include "assay/conf.h"
#include "unit.h"

#define SECTIONS "[review], [media], [slice.NAME], [score.NAME], [weights]"

/* Loads text as assay.conf into a new conf and checks it; err gets why. */
static int check(const char *text, assay_error *err)
{
	conf *c = conf_new();
	int rc = conf_load_string(c, "assay.conf", text, strlen(text), err);
	if (rc == ASSAY_OK)
		rc = conf_check_config(c, err);
	conf_free(c);
	return rc;
}

TEST(every_documented_key_passes)
{
	assay_error err = {0};
	const char *all = "theme = light\nreasons = a, b, other\n"
			  "[review]\nmeasure = 100\nretrain_every = 50\n"
			  "[media]\ntimeout_ms = 1\nfetch = no\nfetch_timeout_ms = 1\n"
			  "fetch_max_mb = 1\nprefetch = no\ncolors = none\nprotocol = sixel\n"
			  "[slice.odd-ones]\nwhere = conflict\n[slice.a.b]\nwhere = edited\n"
			  /* the scorers' own: their reader checks these */
			  "[score.length]\nmin_words = 3\n[score.anything]\nx = 1\n"
			  "[weights]\nhedging = 0.5\n";
	CHECK_INT(check(all, &err), 0);
	CHECK_INT(check("", &err), 0);
}

TEST(a_misspelt_section_or_key_is_refused_where_it_was_written)
{
	assay_error err = {0};
	CHECK_INT(check("[review]\nmeasure = 1\n\n[scroe.length]\nmin_words = 3\n", &err),
		  ASSAY_EINVAL);
	CHECK_STR(err.msg, "assay.conf:5: [scroe.length]: no such section (known: " SECTIONS
			   "; outside a section: theme, reasons)");
	CHECK_INT(check("[review]\nmeasur = 1\n", &err), ASSAY_EINVAL);
	CHECK_STR(err.msg, "assay.conf:2: [review]: unknown key \"measur\" (known: measure, "
			   "retrain_every)");
	CHECK_INT(check("[slice.x]\nwher = conflict\n", &err), ASSAY_EINVAL);
	CHECK_STR(err.msg, "assay.conf:2: [slice.x]: unknown key \"wher\" (known: where)");
	CHECK_INT(check("# x\nthem = light\n", &err), ASSAY_EINVAL);
	CHECK_STR(err.msg, "assay.conf:2: unknown key \"them\" (known outside a section: theme, "
			   "reasons; sections: " SECTIONS ")");
	/* a section that needs a name of its own, without one */
	CHECK_INT(check("[slice]\nwhere = conflict\n", &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "assay.conf:2: [slice]: no such section");
	CHECK_INT(check("[score]\nthreshold = 0.5\n", &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "assay.conf:2: [score]: no such section");
	/* a section inside a known one is not that one */
	CHECK_INT(check("[review.x]\nmeasure = 1\n", &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "[review.x]: no such section");
	CHECK_INT(check("[weights.x]\nhedging = 1\n", &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "[weights.x]: no such section");
	/* the first refused, in the order written */
	CHECK_INT(check("[a]\nx = 1\n[b]\ny = 2\n", &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "assay.conf:2: [a]: no such section");
}

TEST(a_key_set_by_an_option_is_named_by_it)
{
	conf *c = conf_new();
	assay_error err = {0};
	CHECK_INT(conf_set_from(c, "--set", "review.measure", "80"), 0);
	CHECK_INT(conf_check_config(c, &err), 0);
	CHECK_INT(conf_set_from(c, "--set", "foo.bar", "1"), 0);
	CHECK_INT(conf_check_config(c, &err), ASSAY_EINVAL);
	CHECK_STR(err.msg, "--set: [foo]: no such section (known: " SECTIONS
			   "; outside a section: theme, reasons)");
	int line = -1;
	CHECK_STR(conf_origin(c, "review.measure", &line), "--set");
	CHECK_INT(line, 0);
	conf_free(c);
}

UNIT_MAIN(UNIT_CASE(every_documented_key_passes),
	  UNIT_CASE(a_misspelt_section_or_key_is_refused_where_it_was_written),
	  UNIT_CASE(a_key_set_by_an_option_is_named_by_it))
