/* Tests for src/tui/tally.c: the session summary counts each sample's
 * last verdict once, and an undone verdict not at all. */
#include "../../src/tui/tally.h"
#include "assay/store.h"
#include "unit.h"

TEST(last_verdict_per_sample_counts_once)
{
	tui_tally t = {0};
	tui_summary s = {0};
	for (int64_t id = 1; id <= 5; id++)
		CHECK(tui_tally_decide(&t, id, STORE_ACCEPT) == ASSAY_OK);
	tui_tally_undo(&t, 5); /* two accepts undone, then rejected */
	tui_tally_undo(&t, 4);
	tui_tally_decide(&t, 4, STORE_REJECT);
	tui_tally_decide(&t, 5, STORE_REJECT);
	tui_tally_decide(&t, 2, STORE_EDIT); /* revised after walking back */
	tui_tally_decide(&t, 6, STORE_SKIP);
	tui_tally_sum(&t, &s);
	CHECK_INT(s.accepted, 2);
	CHECK_INT(s.edited, 1);
	CHECK_INT(s.rejected, 2);
	CHECK_INT(s.skipped, 1);
	CHECK_INT(s.decided, 5);
	tui_tally_free(&t);
}

TEST(an_undo_reaching_an_earlier_session_takes_nothing_back)
{
	tui_tally t = {0};
	tui_summary s = {.undone = 3, .notes = 2};
	tui_tally_decide(&t, 7, STORE_ACCEPT);
	tui_tally_undo(&t, 9); /* decided in an earlier session */
	tui_tally_undo(&t, 7);
	tui_tally_undo(&t, 7); /* and once more: nothing left of this session */
	tui_tally_sum(&t, &s);
	CHECK_INT(s.decided, 0);
	CHECK_INT(s.accepted, 0);
	CHECK_INT(s.undone, 3); /* left as it was */
	CHECK_INT(s.notes, 2);
	tui_tally_free(&t);
}

UNIT_MAIN(UNIT_CASE(last_verdict_per_sample_counts_once),
	  UNIT_CASE(an_undo_reaching_an_earlier_session_takes_nothing_back))
