/* review.c — the review screen's actions and event loop. A decision key
 * commits the event and the verdict (store_decide) before the next sample
 * is drawn; the queue hands out samples by an indexed cursor with a lease;
 * the loop wakes every second to renew that lease. */
#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "assay/net.h"
#include "assay/score.h"

#define LEASE_MS (10 * 60 * 1000)
/* A readable line: the text wraps at this many columns at most. */
#define MEASURE 100

static void clear_sample(app *a)
{
	if (a->has_sample) {
		store_sample_free(&a->smp);
		store_decision_free(&a->dec);
		store_scores_free(a->scores, a->n_scores);
		tui_edit_scores_free(a);
		for (size_t i = 0; i < a->n_notes; i++)
			free(a->notes[i]);
		free(a->notes);
	}
	free(a->suggestion);
	a->suggestion = NULL;
	a->scores = NULL;
	a->notes = NULL;
	a->n_scores = a->n_notes = 0;
	a->has_sample = false;
	tui_meta_free(a);
	tui_pair_free(a);
	a->layout_dirty = true;
}

/* Flagged scores first, then the lowest: what needs attention on top. */
static int worst_first(const void *x, const void *y)
{
	const store_score *a = x, *b = y;
	if (a->flagged != b->flagged)
		return a->flagged ? -1 : 1;
	double va = isnan(a->value) ? -1 : a->value, vb = isnan(b->value) ? -1 : b->value;
	if (va != vb)
		return va < vb ? -1 : 1;
	return strcmp(a->scorer, b->scorer);
}

/* Loads everything the screen shows of one sample. */
static int load(app *a, int64_t id, assay_error *err)
{
	clear_sample(a);
	int rc = store_sample_get(a->s, id, &a->smp, err);
	if (rc < 0)
		return rc;
	a->has_sample = true;
	if ((rc = store_decision_get(a->s, id, a->annotator_id, &a->dec, err)) < 0 ||
	    (rc = store_scores_get(a->s, id, &a->scores, &a->n_scores, err)) < 0 ||
	    (rc = tui_edit_scores_load(a, err)) < 0 ||
	    (rc = store_notes_for(a->s, id, &a->notes, &a->n_notes, err)) < 0 ||
	    (rc = tui_pair_load(a, err)) < 0)
		return rc;
	if (a->n_scores > 1)
		qsort(a->scores, a->n_scores, sizeof *a->scores, worst_first);
	a->scroll = 0;
	a->diff = false;
	a->shown_ns = a->leased_ns = assay_mono_ns();
	return ASSAY_OK;
}

static void remember(app *a, int64_t id)
{
	if (ASSAY_GROW(a->hist, a->n_hist + 1, a->cap_hist, 64) < 0)
		return;
	a->hist[a->n_hist++] = id;
	a->pos = a->n_hist - 1;
}

bool tui_show(app *a, int64_t id, bool leased)
{
	assay_error err = {0};
	if (a->leasing && a->has_sample && a->smp.id != id && a->dec.verdict[0] &&
	    store_lease_release(a->s, a->annotator_id, a->smp.id, &err) < 0)
		tui_message(a->b, true, "%s", err.msg);
	int rc = load(a, id, &err);
	if (rc == ASSAY_OK && a->leasing && !leased)
		rc = tui_lease_hold(a, &a->q, &err);
	if (rc < 0)
		tui_message(a->b, true, "%s", err.msg);
	a->leased_ns = assay_mono_ns();
	return rc != ASSAY_ECONFLICT;
}

/* Whether the next sample comes from the queue (not from this session's
 * history, walked back). */
static bool from_queue(const app *a)
{
	return !(a->n_hist && a->pos + 1 < a->n_hist);
}

/* Shows what the queue answered (rc, id) for the next sample. */
void tui_arrive(app *a, int rc, int64_t id, const assay_error *err)
{
	if (rc == ASSAY_OK) {
		remember(a, id);
		tui_show(a, id, true);
	} else if (rc == ASSAY_ENOTFOUND) {
		clear_sample(a);
		a->done = true;
		a->pos = a->n_hist; /* past the end: h goes back to the last one */
	} else {
		tui_message(a->b, true, "%s", err->msg);
	}
}

/* The next sample: forward in this session's history, else from the queue. */
static void advance(app *a)
{
	bool passed = false, shown = false;
	while (!shown && !from_queue(a)) {
		a->pos++;
		shown = tui_show(a, a->hist[a->pos], false);
		passed |= !shown;
	}
	if (!shown) {
		assay_error err = {0};
		int64_t id = 0;
		int rc = store_queue_next(a->s, &a->q, &a->cur, &id, &err);
		tui_arrive(a, rc, id, &err);
	}
	if (passed)
		tui_message(a->b, false, "passed over a sample another annotator holds now");
}

void tui_requeue(app *a)
{
	a->cur = (store_cursor){0};
	a->done = false;
	a->pos = a->n_hist ? a->n_hist - 1 : 0;
	a->counts_pending = true;
	advance(a);
}

/* Records a decision on the sample on screen, then moves on (unless stay). */
bool tui_decide(app *a, int kind, const char *text, const char *reason, bool stay)
{
	return tui_decide_in(a, &(store_decision_in){.kind = kind, .text = text, .reason = reason},
			     stay);
}

bool tui_decide_in(app *a, const store_decision_in *what, bool stay)
{
	if (!a->has_sample || a->pend.op)
		return false;
	store_decision_in in = *what;
	in.sample_id = a->smp.id;
	in.annotator_id = a->annotator_id;
	in.ms_spent = (assay_mono_ns() - a->shown_ns) / 1000000;
	in.session = a->session;
	bool was_decided = a->dec.verdict[0] && strcmp(a->dec.verdict, "skipped") != 0;
	int rc = tui_decide_commit(a, &in, was_decided, stay, TUI_TRY_FIRST_MS);
	if (rc == ASSAY_EBUSY)
		return tui_pend_decision(a, &in, was_decided, stay);
	return rc == ASSAY_OK;
}

/* The session's counts after a decision saved. */
static void count_decision(app *a, const store_decision_in *in, bool was_decided)
{
	int kind = in->kind;
	if (kind != STORE_NOTE && kind != STORE_SKIP && !was_decided)
		a->sum.decided++;
	if (kind != STORE_NOTE && kind != STORE_SKIP)
		tui_retrain_decided(a);
	if (kind != STORE_NOTE)
		a->delta += (kind != STORE_SKIP) - was_decided;
	if (kind != STORE_NOTE && tui_tally_decide(&a->tally, in->sample_id, kind) < 0)
		tui_message(a->b, true, "out of memory: the session summary will be short");
	a->sum.notes += kind == STORE_NOTE;
}

int tui_decide_commit(app *a, const store_decision_in *in, bool was_decided, bool stay,
		      int wait_ms)
{
	int64_t event_id, next = 0;
	assay_error err = {0}, qerr = {0};
	/* on to the queue's next sample: the decision and that sample's claim
	 * are one commit */
	bool queued = !stay && a->leasing && from_queue(a), saved = false;
	store_busy_wait(a->s, wait_ms);
	int qrc = queued ? store_decide_next(a->s, in, &a->q, &a->cur, &event_id, &next, &saved,
					     &qerr)
			 : ASSAY_OK;
	int rc = queued ? (saved ? ASSAY_OK : qrc) : store_decide(a->s, in, &event_id, &err);
	store_busy_wait(a->s, 0);
	if (rc == ASSAY_EBUSY)
		return rc; /* nothing written: kept and tried again (review_wait.c) */
	if (rc < 0) {
		tui_message(a->b, true, "not saved: %s", queued ? qerr.msg : err.msg);
		return rc;
	}
	count_decision(a, in, was_decided);
	a->b->msg[0] = '\0';
	if (in->kind == STORE_EDIT)
		tui_edit_rescore(a);
	if (stay) {
		int64_t id = a->smp.id;
		assay_error e2 = {0};
		if (load(a, id, &e2) < 0)
			tui_message(a->b, true, "%s", e2.msg);
	} else if (queued && qrc == ASSAY_EBUSY) {
		clear_sample(a); /* saved; the next claim waits for the lock */
		tui_claim_first(a);
	} else if (queued) {
		tui_arrive(a, qrc, next, &qerr);
	} else {
		advance(a);
	}
	return ASSAY_OK;
}

static void k_accept(tui_view *v)
{
	app *a = APP(v);
	tui_decide(a, STORE_ACCEPT, NULL, NULL, false);
}

void tui_key_skip(tui_view *v)
{
	app *a = APP(v);
	tui_decide(a, STORE_SKIP, NULL, NULL, false);
}

static void rejected(tui_view *v, char *reason)
{
	if (reason)
		tui_decide(APP(v), STORE_REJECT, NULL, reason, false);
	free(reason);
}

static void k_reject(tui_view *v)
{
	app *a = APP(v);
	if (a->has_sample)
		tui_pick_reason_for(a, rejected);
}

static void noted(tui_view *v, char *t)
{
	app *a = APP(v);
	if (t && a->has_sample && tui_decide(a, STORE_NOTE, t, NULL, true) && !a->pend.op)
		tui_message(a->b, false, "note added");
	free(t);
}

static void k_note(tui_view *v)
{
	if (APP(v)->has_sample)
		tui_prompt(v, "note:", NULL, noted);
}

/* A read-only review (o->only): shows decision a->pos of the list, with
 * that annotator's verdict; the top bar's count is the position. */
static void browse_show(app *a)
{
	const tui_pick *p = &a->o->only[a->pos];
	a->annotator_id = p->annotator_id;
	a->decided_before = (int64_t)a->pos + 1;
	assay_error err = {0};
	if (load(a, p->sample_id, &err) < 0)
		tui_message(a->b, true, "%s", err.msg);
	else
		tui_message(a->b, false, "read-only: %s's verdict, %zu of %zu (h/l walk, q goes back)",
			    p->who ? p->who : "?", a->pos + 1, a->o->n_only);
}

static void browse_step(app *a, int dir)
{
	if (dir < 0 ? a->pos == 0 : a->pos + 1 >= a->o->n_only) {
		tui_message(a->b, false, "this is the %s of the %zu", dir < 0 ? "first" : "last",
			    a->o->n_only);
		return;
	}
	a->pos += dir < 0 ? (size_t)-1 : 1;
	browse_show(a);
}

void tui_key_prev(tui_view *v)
{
	app *a = APP(v);
	if (a->o->only) {
		browse_step(a, -1);
		return;
	}
	if (a->pos == 0 || !a->n_hist) {
		tui_message(a->b, false, "this is the first sample of the session");
		return;
	}
	a->pos--;
	tui_show(a, a->hist[a->pos], false);
}

void tui_key_next(tui_view *v)
{
	app *a = APP(v);
	if (a->o->only) {
		browse_step(a, 1);
		return;
	}
	if (a->has_sample && a->pos + 1 >= a->n_hist && !a->dec.verdict[0]) {
		tui_message(a->b, false, "decide this one first (a, e, r) or skip it (s)");
		return;
	}
	advance(a);
}


void tui_go(app *a, int64_t id)
{
	remember(a, id);
	tui_show(a, id, false);
}

void tui_key_help(tui_view *v)
{
	app *a = APP(v);
	tui_help(v, a->o->only ? " keys (read-only) " : " keys ");
}

void tui_key_quit(tui_view *v)
{
	app *a = APP(v);
	if (a->pend.op) {
		tui_pend_quit(a);
		return;
	}
	/* an edit the store refused is only in memory: say so once */
	if (!tui_draft_holds_quit(a->b, &a->draft))
		v->done = true;
}

const tui_key tui_keys[] = {
	{'a', 0, "a", "accept", k_accept, TUI_KEY_HINT},
	{'e', 0, "e", "edit", tui_key_edit, TUI_KEY_HINT},
	{'E', 0, "E", "edit in $VISUAL/$EDITOR", tui_key_edit_external, 0},
	{'r', 0, "r", "reject", k_reject, TUI_KEY_HINT},
	{'s', 0, "s", "skip", tui_key_skip, TUI_KEY_HINT},
	{'u', 0, "u", "undo", tui_key_undo, TUI_KEY_HINT},
	{'n', 0, "n", "add a note", k_note, 0},
	{'h', KEY_LEFT, "h Left", "previous sample of this session", tui_key_prev, TUI_KEY_BROWSE},
	{'l', KEY_RIGHT, "l Right", "next sample", tui_key_next, TUI_KEY_BROWSE},
	{'j', KEY_DOWN, "j Down", "scroll the text down", tui_key_down, TUI_KEY_LOOK},
	{'k', KEY_UP, "k Up", "scroll the text up", tui_key_up, TUI_KEY_LOOK},
	{KEY_NPAGE, ' ', "PgDn", "page down", tui_key_page_down, TUI_KEY_LOOK},
	{KEY_PPAGE, 0, "PgUp", "page up", tui_key_page_up, TUI_KEY_LOOK},
	{'J', 0, "J", "scroll the context down", tui_key_ctx_down, TUI_KEY_LOOK},
	{'K', 0, "K", "scroll the context up", tui_key_ctx_up, TUI_KEY_LOOK},
	{'c', 0, "c", "fold or show the context", tui_key_ctx_fold, TUI_KEY_LOOK},
	{'g', 0, "g", "go to a sample by id", tui_key_goto, 0},
	{'/', 0, "/", "search the texts (Enter on nothing: the last search)", tui_key_search, 0},
	{'N', 0, "N", "repeat the last search", tui_key_search_again, 0},
	{'f', 0, "f", "edit the filter (a --where expression)", tui_key_filter, 0},
	{'i', 0, "i", "scores, metadata and notes in full", tui_key_inspect, TUI_KEY_LOOK},
	{'d', 0, "d", "word diff of an edit against the original", tui_key_diff, TUI_KEY_LOOK},
	{'S', 0, "S", "ask the LLM for a corrected caption", tui_key_suggest, 0},
	{'\r', KEY_ENTER, "Enter", "take the suggestion into the editor", tui_key_take_suggestion, 0},
	{'x', 0, "x", "discard the suggestion", tui_key_discard_suggestion, 0},
	{'m', 0, "m", "show or hide the media pane", tui_key_media_toggle, TUI_KEY_LOOK},
	{'z', 0, "z", "zoom the media to the whole screen", tui_key_media_zoom, TUI_KEY_LOOK},
	{'[', 0, "[", "previous frames of the video", tui_key_media_prev, TUI_KEY_LOOK},
	{']', 0, "]", "next frames of the video", tui_key_media_next, TUI_KEY_LOOK},
	{'o', 0, "o", "open the original ($ASSAY_OPENER)", tui_key_media_open, TUI_KEY_LOOK},
	{'y', 0, "y", "copy the media's path or URL (OSC 52)", tui_key_media_copy, TUI_KEY_LOOK},
	{'?', 0, "?", "help", tui_key_help, TUI_KEY_HINT | TUI_KEY_LOOK},
	{12, 0, "Ctrl-L", "redraw the screen", tui_key_redraw, TUI_KEY_LOOK},
	{26, 0, "Ctrl-Z", "suspend (fg resumes)", tui_key_suspend, TUI_KEY_BROWSE},
	{'q', 3, "q", "quit (Ctrl-C too)", tui_key_quit, TUI_KEY_HINT | TUI_KEY_LOOK},
};
const size_t tui_n_keys = ASSAY_ARRAY_LEN(tui_keys);

static void teardown(app *a)
{
	tui_retrain_stop(a);
	tui_pend_free(a);
	tui_filter_free(a);
	tui_media_free(&a->media);
	free(a->editing_copy);
	clear_sample(a);
	tui_ctx_free(&a->ctx);
	tui_draft_free(&a->draft);
	net_pool_free(a->pool);
	score_suggester_free(a->sg);
	tui_reasons_free(&a->reasons);
	free(a->hist);
	free(a->side_rows);
	tui_tally_free(&a->tally);
	free(a->needle);
	free(a->roles);
	abuf_free(&a->shown);
	text_cells_free(&a->cells);
	text_lines_free(&a->lines);
}

/* The width the text wraps at, at most: [review] measure in the config. */
static int measure_of(const conf *config, int *out, assay_error *err)
{
	long m = MEASURE;
	int rc = config ? conf_get_int(config, "review.measure", MEASURE, 20, 1000, &m, err) : 0;
	*out = (int)m;
	return rc;
}

static int start(app *a, assay_error *err)
{
#ifdef __GLIBC__
	/* every key's commit borrows and returns ~150 KiB (SQLite's statement
	 * journal): past 128 KiB free at the top of the heap glibc hands the
	 * pages back, and the next key faults them in again */
	mallopt(M_TRIM_THRESHOLD, 16 << 20);
#endif
	int rc = measure_of(a->o->config, &a->measure, err);
	if (rc < 0)
		return rc;
	rc = store_annotator_ensure(a->s, a->o->annotator, &a->annotator_id, err);
	if (rc < 0)
		return rc;
	a->q = (store_queue){
		.annotator_id = a->annotator_id,
		.order = a->o->order,
		.seed = a->o->seed,
		.show = a->o->show,
		.overlap = a->o->overlap > 0 ? a->o->overlap : 1,
		.lease_ms = a->o->lease_ms > 0 ? a->o->lease_ms : LEASE_MS,
	};
	a->leasing = true;
	if (a->o->batch) {
		store_batch b;
		if ((rc = store_batch_by_name(a->s, a->o->batch, &b, err)) < 0)
			return assay_fail(err, rc, "no batch named \"%s\"", a->o->batch);
		a->q.batch_id = b.id;
		store_batch_free(&b);
	}
	if ((rc = tui_filter_start(a, a->o->where, err)) < 0)
		return rc;
	snprintf(a->session, sizeof a->session, "%lld", (long long)assay_now_ms());
	a->counts_pending = true;
	return tui_retrain_start(a, err);
}

static void review_open(tui_view *v)
{
	app *a = APP(v);
	a->start_ns = assay_mono_ns();
	if (a->o->only)
		browse_show(a);
	else
		tui_claim_first(a);
}

static void review_draw(tui_view *v)
{
	if (!tui_pair_draw(APP(v)))
		tui_draw(APP(v));
}

static void review_close(tui_view *v)
{
	app *a = APP(v);
	/* the samples left undecided go back to the queue at once */
	assay_error e = {0};
	if (a->leasing)
		store_lease_release_all(a->s, a->annotator_id, &e);
	a->sum.seconds = (double)(assay_mono_ns() - a->start_ns) / 1e9;
	tui_tally_sum(&a->tally, &a->sum);
	if (a->out)
		*a->out = a->sum;
	teardown(a);
	free(a);
}

static const tui_view_ops review_ops = {
	.name = "review",
	.open = review_open,
	.draw = review_draw,
	.tick = tui_review_tick,
	.pollfds = tui_review_pollfds,
	.close = review_close,
};

static app *review_new(tui_base *b, const tui_review_opts *o)
{
	app *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	*a = (app){.view = {.ops = &review_ops, .keys = tui_keys, .n_keys = tui_n_keys},
		   .b = b, .s = b->s, .o = o, .layout_dirty = true, .edit_quality = NAN};
	tui_reasons_load(&a->reasons, o->config);
	tui_media_init(&a->media, b);
	assay_error e = {0};
	if (measure_of(o->config, &a->measure, &e) < 0)
		a->measure = MEASURE; /* start() refuses it before the screen opens */
	return a;
}

int tui_review_run(store *s, const tui_review_opts *o, tui_summary *sum, assay_error *err)
{
	*sum = (tui_summary){0};
	tui_base b = {.s = s, .db_name = o->db_name, .config = o->config};
	app *a = review_new(&b, o);
	if (!a)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	int rc = start(a, err);
	if (rc == ASSAY_OK)
		rc = tui_open(&b, o->theme, err);
	if (rc < 0) {
		teardown(a);
		free(a);
		return rc;
	}
	a->out = sum;
	tui_push(&b, &a->view);
	tui_run(&b);
	tui_close(&b);
	return ASSAY_OK;
}

int tui_review_browse(tui_base *b, const tui_review_opts *o, assay_error *err)
{
	if (!o->only || !o->n_only)
		return assay_fail(err, ASSAY_EINVAL, "internal: a read-only review needs decisions");
	app *a = review_new(b, o);
	if (!a)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	a->total = (int64_t)o->n_only;
	a->view.need = TUI_KEY_BROWSE;
	tui_push(b, &a->view);
	return ASSAY_OK;
}
