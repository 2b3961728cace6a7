/* test_get.c — typed getters: numbers, ranges, booleans, and messages that
 * name where the bad value came from. */
#include "assay/conf.h"
#include "unit.h"

static conf *make(const char *text)
{
	conf *c = conf_new();
	assay_error err;
	if (conf_load_string(c, "assay.conf", text, strlen(text), &err) != 0)
		printf("#   %s\n", err.msg);
	return c;
}

TEST(test_double)
{
	conf *c = make("[score]\nt = 0.25\nneg = -1e-3\nhigh = 1.5\nword = high\nnan = nan\n"
		       "inf = inf\nhuge = 1e999\nlead = \" 0.5\"\ntrail = 0.5x\nempty =\n"
		       "edge = 1\n");
	assay_error err;
	double d = -7;
	CHECK_INT(conf_get_double(c, "score.t", 0.9, 0, 1, &d, &err), 0);
	CHECK_NEAR(d, 0.25, 1e-12);
	CHECK_INT(conf_get_double(c, "score.missing", 0.9, 0, 1, &d, &err), 0);
	CHECK_NEAR(d, 0.9, 1e-12);
	CHECK_INT(conf_get_double(c, "score.neg", 0, -1, 1, &d, &err), 0);
	CHECK_NEAR(d, -0.001, 1e-12);
	CHECK_INT(conf_get_double(c, "score.edge", 0, 0, 1, &d, &err), 0);
	CHECK_NEAR(d, 1, 0);
	d = -7;
	CHECK_INT(conf_get_double(c, "score.high", 0.9, 0, 1, &d, &err), ASSAY_EINVAL);
	CHECK_STR(err.msg,
		  "assay.conf:4: \"score.high\" must be a number from 0 to 1, got \"1.5\"");
	CHECK_NEAR(d, -7, 0);
	CHECK_INT(conf_get_double(c, "score.neg", 0, 0, 1, &d, &err), ASSAY_EINVAL);
	CHECK_STR(err.msg,
		  "assay.conf:3: \"score.neg\" must be a number from 0 to 1, got \"-1e-3\"");
	const char *bad[] = {"score.word", "score.nan",	  "score.inf",	"score.huge",
			     "score.lead", "score.trail", "score.empty"};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(bad); i++) {
		err.msg[0] = '\0';
		CHECK_INT(conf_get_double(c, bad[i], 0, -1e300, 1e300, &d, &err), ASSAY_EINVAL);
		CHECK_CONTAINS(err.msg, bad[i]);
	}
	conf_free(c);
}

TEST(test_int)
{
	conf *c = make("a = 42\nb = -3\nc = 4.5\nd = 99999999999999999999999\ne = 0x10\n"
		       "f = 1000\n");
	assay_error err;
	long l = 0;
	CHECK_INT(conf_get_int(c, "a", 0, 0, 100, &l, &err), 0);
	CHECK_INT(l, 42);
	CHECK_INT(conf_get_int(c, "b", 0, -10, 10, &l, &err), 0);
	CHECK_INT(l, -3);
	CHECK_INT(conf_get_int(c, "none", 7, 0, 1, &l, &err), 0);
	CHECK_INT(l, 7);
	CHECK_INT(conf_get_int(c, "c", 0, 0, 100, &l, &err), ASSAY_EINVAL);
	CHECK_STR(err.msg, "assay.conf:3: \"c\" must be a whole number from 0 to 100, got \"4.5\"");
	CHECK_INT(conf_get_int(c, "d", 0, 0, 100, &l, &err), ASSAY_EINVAL);
	CHECK_INT(conf_get_int(c, "e", 0, 0, 100, &l, &err), ASSAY_EINVAL);
	CHECK_INT(conf_get_int(c, "f", 0, 1, 999, &l, &err), ASSAY_EINVAL);
	CHECK_STR(err.msg,
		  "assay.conf:6: \"f\" must be a whole number from 1 to 999, got \"1000\"");
	CHECK_INT(conf_get_int(c, "f", 0, 1, 1000, &l, &err), 0);
	CHECK_INT(l, 1000);
	conf_free(c);
}

TEST(test_bool)
{
	conf *c = make("t1 = true\nt2 = YES\nt3 = On\nt4 = 1\nf1 = false\nf2 = no\nf3 = OFF\n"
		       "f4 = 0\nbad = maybe\nbad2 = 2\n");
	assay_error err;
	const char *yes[] = {"t1", "t2", "t3", "t4"}, *no[] = {"f1", "f2", "f3", "f4"};
	for (int i = 0; i < 4; i++) {
		bool b = false;
		CHECK_INT(conf_get_bool(c, yes[i], false, &b, &err), 0);
		CHECK(b);
		b = true;
		CHECK_INT(conf_get_bool(c, no[i], true, &b, &err), 0);
		CHECK(!b);
	}
	bool b = false;
	CHECK_INT(conf_get_bool(c, "absent", true, &b, &err), 0);
	CHECK(b);
	CHECK_INT(conf_get_bool(c, "bad", true, &b, &err), ASSAY_EINVAL);
	CHECK_STR(err.msg, "assay.conf:9: \"bad\" must be true/false, yes/no, on/off or 1/0, "
			   "got \"maybe\"");
	CHECK_INT(conf_get_bool(c, "bad2", true, &b, &err), ASSAY_EINVAL);
	conf_free(c);
}

TEST(test_flag_origin_in_messages)
{
	conf *c = conf_new();
	assay_error err;
	double d;
	CHECK_INT(conf_set(c, "score.threshold", "two"), 0);
	CHECK_INT(conf_get_double(c, "score.threshold", 0.5, 0, 1, &d, &err), ASSAY_EINVAL);
	CHECK_STR(err.msg,
		  "command line: \"score.threshold\" must be a number from 0 to 1, got \"two\"");
	/* Hostile values are escaped in the message. */
	CHECK_INT(conf_set(c, "x", "\x1b]0;pwned\x07"), 0);
	CHECK_INT(conf_get_double(c, "x", 0.5, 0, 1, &d, &err), ASSAY_EINVAL);
	CHECK_STR(err.msg, "command line: \"x\" must be a number from 0 to 1, got "
			   "\"\\u001b]0;pwned\\u0007\"");
	conf_free(c);
}

UNIT_MAIN(UNIT_CASE(test_double), UNIT_CASE(test_int), UNIT_CASE(test_bool),
	  UNIT_CASE(test_flag_origin_in_messages))
