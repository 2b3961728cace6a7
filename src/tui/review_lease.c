/* review_lease.c — the review screen's lease: one an annotator, on the
 * undecided sample on screen or else on the one the queue handed out,
 * renewed at a tenth of its length (held long while an editor runs). */
#include "app.h"

int tui_lease_hold(app *a, const store_queue *q, assay_error *err)
{
	if (!a->has_sample || a->dec.verdict[0])
		return store_lease_renew_all(a->s, q, err);
	int rc = store_lease_renew(a->s, q, a->smp.id, err);
	return rc != 0 ? rc
		       : assay_fail(err, ASSAY_ECONFLICT,
				    "another annotator holds this sample now (its lease ran out)");
}

void tui_keep_lease(app *a)
{
	if (!a->leasing || !a->has_sample ||
	    assay_mono_ns() - a->leased_ns < a->q.lease_ms * 1000000 / 10)
		return;
	store_queue q = a->q;
	if (a->holding && q.lease_ms < EDIT_LEASE_MS)
		q.lease_ms = EDIT_LEASE_MS;
	assay_error e = {0};
	store_busy_wait(a->s, TUI_TRY_MS);
	int rc = tui_lease_hold(a, &q, &e);
	store_busy_wait(a->s, 0);
	if (rc == ASSAY_EBUSY)
		return; /* another writer holds the lock: a later tick tries again */
	if (rc < 0)
		tui_message(a->b, true, "%s", e.msg);
	a->leased_ns = assay_mono_ns();
}
