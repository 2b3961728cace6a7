/* review_loop.c — the review screen's part of the loop between keys: the
 * tick (the LLM's answer, the top bar's counts, the lease, the media) and
 * the descriptors it polls; and the first claim while another writer (a
 * learned rescore in bulk) holds the database's write lock: short tries
 * from the tick, with a message, instead of one busy timeout that fails;
 * the keys that only look (q and Ctrl-C leave) still work. */
#include "app.h"
#include "assay/net.h"

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
		store_busy_wait(a->s, 0); /* the store's own wait for everything else */
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

/* The top bar's counts, taken while idle. */
static void count(app *a)
{
	assay_error err = {0};
	a->counts_pending = false;
	if (store_queue_counts(a->s, &a->q, &a->total, &a->decided_before, &err) < 0)
		tui_message(a->b, true, "%s", err.msg);
	a->delta = 0;
}

/* The loop's tick: the LLM's answer moved along, the top bar counted while
 * idle, the lease kept, whatever is on top of the screen. While a decision
 * or the first claim waits for another writer, the lease is still renewed
 * (in short tries: on PostgreSQL a lock on the decisions leaves the leases
 * free, and a lapsed lease would hand the sample on screen to another
 * annotator) and the LLM's answer still comes; the steps that read or
 * write the store at its full wait (counts, media ahead, retrain) resume
 * once it is saved. */
int tui_review_tick(tui_view *v, bool idle)
{
	app *a = APP(v);
	int wait = tui_pend_tick(a, idle);
	if (wait < 0)
		wait = tui_claim_wait_tick(a);
	if (a->pool)
		net_pool_step(a->pool);
	tui_keep_lease(a);
	if (wait >= 0) {
		int media = tui_media_tick(&a->media); /* the one on screen decodes on */
		return media < wait ? media : wait;
	}
	if (idle && a->counts_pending)
		count(a);
	wait = tui_retrain_tick(a, idle);
	int media = tui_review_media_tick(a, idle);
	if ((wait = media < wait ? media : wait) == 0 || a->counts_pending)
		return 0;
	if (a->pool && net_pool_pending(a->pool) > 0) {
		long t = net_pool_timeout(a->pool);
		return t < 0 || t > wait ? wait : (int)t;
	}
	return wait;
}

int tui_review_pollfds(tui_view *v, struct pollfd *fds, int cap)
{
	app *a = APP(v);
	long t;
	int m = tui_media_pollfds(&a->media, fds, cap);
	if (!a->pool || !net_pool_pending(a->pool))
		return m;
	int n = net_pool_pollfds(a->pool, fds + m, cap - m, &t);
	return m + (n < 0 ? 0 : n);
}
