/* review_wait.c — the review screen's first claim while another writer
 * (a learned rescore in bulk) holds the database's write lock: short
 * tries from the loop's tick, with a message, instead of one busy timeout
 * that fails; the keys that only look (q and Ctrl-C leave) still work. */
#include "app.h"

/* How long one try waits for the lock, and the pause between tries. */
#define TRY_MS 200
#define PAUSE_MS 100

/* Tries the first claim: the sample comes (or the queue is empty, or
 * another error) and the screen goes on as ever, or the lock is still
 * held and the screen says it waits. */
void tui_claim_first(app *a)
{
	store_busy_wait(a->s, TRY_MS);
	assay_error err = {0};
	int64_t id = 0;
	int rc = store_queue_next(a->s, &a->q, &a->cur, &id, &err);
	if (rc == ASSAY_EBUSY) {
		if (!a->waiting)
			a->wait_need = a->view.need;
		a->waiting = true;
		a->view.need = TUI_KEY_BROWSE; /* no decision, undo or queue key meanwhile */
		tui_message(a->b, false, "waiting for another writer: %s (q leaves)", err.msg);
		return;
	}
	store_busy_wait(a->s, 0);
	if (a->waiting) {
		a->waiting = false;
		a->view.need = a->wait_need;
		tui_message(a->b, false, "%s", "");
	}
	tui_arrive(a, rc, id, &err);
}

int tui_claim_wait_tick(app *a)
{
	if (!a->waiting)
		return -1;
	tui_claim_first(a);
	return a->waiting ? PAUSE_MS : 0;
}
