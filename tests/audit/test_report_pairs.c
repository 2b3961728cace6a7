/* test_report_pairs.c — the Pairs section of the HTML report (html.c,
 * html_pairs.c): there with the figures once a pair has a preference,
 * names escaped, absent without preferences. */
#include "assay/audit_stats.h"
#include "store/fixture.h"
#include "unit.h"

static const char pair_json[] =
	"{\"a_field\":\"chosen\",\"b_field\":\"rejected\",\"b_text\":\"candidate b\","
	"\"a_model\":\"<m&a>\",\"b_model\":\"small\",\"claimed\":\"a\",\"chat\":false}";

/* Samples 1-3 are pairs, 4 is single. */
static store *pairs_fixture(void)
{
	store *s = fixture_open("report-pairs");
	assay_error e = {0};
	store_begin(s, &e);
	store_batch b = {.name = "b", .source = "x", .format = "jsonl", .created_at = 1};
	store_batch_create(s, &b, &e);
	for (int i = 0; i < 4; i++) {
		char id[16], text[32];
		snprintf(id, sizeof id, "s%d", i);
		snprintf(text, sizeof text, "candidate a %d", i);
		store_new_sample ns = {.batch_id = b.id, .ext_id = id, .line = i + 1,
				       .text_field = "chosen", .text = text,
				       .text_len = strlen(text), .record = "{}", .record_len = 2,
				       .hash = text_normalized_hash(text, strlen(text), NULL),
				       .pair = i < 3 ? pair_json : NULL,
				       .pair_len = i < 3 ? strlen(pair_json) : 0};
		int outcome;
		int64_t sid;
		CHECK_INT(store_sample_insert(s, &ns, &outcome, &sid, &e), ASSAY_OK);
	}
	store_commit(s, &e);
	return s;
}

static char *report(store *s)
{
	abuf b = {0};
	assay_error e = {0};
	audit_report_opts o = {.db_name = "t.db"};
	CHECK_INT(audit_report_html(s, &o, &b, &e), ASSAY_OK);
	return b.data;
}

static void prefer(store *s, int64_t sample, int64_t who, int pref)
{
	assay_error e = {0};
	store_decision_in in = {.sample_id = sample, .annotator_id = who, .kind = STORE_ACCEPT,
				.pref = pref, .placement = STORE_PLACE_AB};
	int64_t ev;
	CHECK_INT(store_decide(s, &in, &ev, &e), ASSAY_OK);
}

TEST(pairs_section_only_with_preferences)
{
	store *s = pairs_fixture();
	assay_error e = {0};
	char *h = report(s);
	CHECK(!strstr(h, "Pairs</h2>"));
	free(h);
	int64_t ann;
	CHECK_INT(store_annotator_ensure(s, "ann", &ann, &e), ASSAY_OK);
	prefer(s, 1, ann, STORE_PREF_A);
	prefer(s, 2, ann, STORE_PREF_A);
	prefer(s, 3, ann, STORE_PREF_B);
	h = report(s);
	CHECK_CONTAINS(h, "<h2 id='pairs'>Pairs</h2><p>3 preferences on 3 pairs");
	CHECK_CONTAINS(h, "<td>&lt;m&amp;a&gt;</td><td>2</td><td>1</td><td>0</td><td>0</td>"
			  "<td>66.7%</td>");
	CHECK(!strstr(h, "<m&a>"));
	/* two of three placed left chosen a: the left side chosen twice */
	CHECK_CONTAINS(h, "<td>the left side chosen</td><td>66.7%</td>");
	/* the claim is a: b once reverses it */
	CHECK_CONTAINS(h, "<tr><td><i>all</i></td><td>33.3%</td>");
	free(h);
	store_close(s);
}

UNIT_MAIN(UNIT_CASE(pairs_section_only_with_preferences))
