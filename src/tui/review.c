/* review.c — the review screen's actions and event loop. A decision key
 * commits the event and the verdict (store_decide) before the next sample
 * is drawn; the queue hands out samples by an indexed cursor with a lease;
 * the loop wakes every second to renew that lease. */
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "assay/net.h"
#include "assay/score.h"

#define LEASE_MS (10 * 60 * 1000)

void tui_message(app *a, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof a->msg, fmt, ap);
	va_end(ap);
	a->msg_error = error;
}

static void clear_sample(app *a)
{
	if (a->has_sample) {
		store_sample_free(&a->smp);
		store_decision_free(&a->dec);
		store_scores_free(a->scores, a->n_scores);
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
	a->meta_ready = false;
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
	    (rc = store_notes_for(a->s, id, &a->notes, &a->n_notes, err)) < 0)
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
	if (a->n_hist == a->cap_hist) {
		size_t cap = a->cap_hist ? a->cap_hist * 2 : 64;
		int64_t *h = realloc(a->hist, cap * sizeof *h);
		if (!h)
			return;
		a->hist = h;
		a->cap_hist = cap;
	}
	a->hist[a->n_hist++] = id;
	a->pos = a->n_hist - 1;
}

void tui_keep_lease(app *a)
{
	if (!a->leasing || !a->has_sample ||
	    assay_mono_ns() - a->leased_ns < a->q.lease_ms * 1000000 / 10)
		return;
	/* all of them: walking back keeps the sample the queue handed out */
	assay_error e = {0};
	if (store_lease_renew_all(a->s, &a->q, &e) < 0)
		tui_message(a, true, "%s", e.msg);
	a->leased_ns = assay_mono_ns();
}

/* Shows sample id, leased to this annotator. The sample left behind keeps
 * its lease while this annotator has not decided it (the one the queue
 * handed out, while the annotator walks back). */
static void show(app *a, int64_t id)
{
	assay_error err = {0};
	if (a->leasing && a->has_sample && a->smp.id != id && a->dec.verdict[0] &&
	    store_lease_release(a->s, a->annotator_id, a->smp.id, &err) < 0)
		tui_message(a, true, "%s", err.msg);
	if (load(a, id, &err) < 0 || (a->leasing && store_lease_take(a->s, &a->q, id, &err) < 0))
		tui_message(a, true, "%s", err.msg);
	a->leased_ns = assay_mono_ns();
}

/* The next sample: forward in this session's history, else from the queue. */
static void advance(app *a)
{
	if (a->n_hist && a->pos + 1 < a->n_hist) {
		a->pos++;
		show(a, a->hist[a->pos]);
		return;
	}
	assay_error err = {0};
	int64_t id;
	int rc = store_queue_next(a->s, &a->q, &a->cur, &id, &err);
	if (rc == ASSAY_OK) {
		remember(a, id);
		show(a, id);
	} else if (rc == ASSAY_ENOTFOUND) {
		clear_sample(a);
		a->done = true;
		a->pos = a->n_hist; /* past the end: h goes back to the last one */
	} else {
		tui_message(a, true, "%s", err.msg);
	}
}

/* Records a decision on the sample on screen, then moves on (unless stay). */
bool tui_decide(app *a, int kind, const char *text, const char *reason, bool stay)
{
	if (!a->has_sample)
		return false;
	store_decision_in in = {
		.sample_id = a->smp.id,
		.annotator_id = a->annotator_id,
		.kind = kind,
		.text = text,
		.reason = reason,
		.ms_spent = (assay_mono_ns() - a->shown_ns) / 1000000,
		.session = a->session,
	};
	bool was_decided = a->dec.verdict[0] && strcmp(a->dec.verdict, "skipped") != 0;
	int64_t event_id;
	assay_error err = {0};
	if (store_decide(a->s, &in, &event_id, &err) < 0) {
		tui_message(a, true, "not saved: %s", err.msg);
		return false;
	}
	if (kind != STORE_NOTE && kind != STORE_SKIP && !was_decided)
		a->sum.decided++;
	if (kind != STORE_NOTE)
		a->delta += (kind != STORE_SKIP) - was_decided;
	a->sum.accepted += kind == STORE_ACCEPT;
	a->sum.edited += kind == STORE_EDIT;
	a->sum.rejected += kind == STORE_REJECT;
	a->sum.skipped += kind == STORE_SKIP;
	a->sum.notes += kind == STORE_NOTE;
	a->msg[0] = '\0';
	if (stay) {
		int64_t id = a->smp.id;
		assay_error e2 = {0};
		if (load(a, id, &e2) < 0)
			tui_message(a, true, "%s", e2.msg);
	} else {
		advance(a);
	}
	return true;
}

static void k_accept(app *a)
{
	tui_decide(a, STORE_ACCEPT, NULL, NULL, false);
}

static void k_skip(app *a)
{
	tui_decide(a, STORE_SKIP, NULL, NULL, false);
}

static void k_reject(app *a)
{
	if (!a->has_sample)
		return;
	char *reason = tui_pick_reason(a);
	if (reason)
		tui_decide(a, STORE_REJECT, NULL, reason, false);
	free(reason);
}

static void k_undo(app *a)
{
	int64_t id;
	assay_error err = {0};
	int rc = store_undo(a->s, a->annotator_id, a->session, &id, &err);
	if (rc < 0) {
		tui_message(a, rc != ASSAY_ENOTFOUND, "%s", err.msg);
		return;
	}
	a->sum.undone++;
	a->counts_pending = true; /* recounted while idle */
	a->done = false;
	remember(a, id);
	show(a, id);
	tui_message(a, false, "undone: back on %s", a->has_sample ? a->smp.ext_id : "?");
}

static void k_note(app *a)
{
	if (!a->has_sample)
		return;
	char *t = tui_prompt(a, "note:", NULL);
	if (t && tui_decide(a, STORE_NOTE, t, NULL, true))
		tui_message(a, false, "note added");
	free(t);
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
		tui_message(a, true, "%s", err.msg);
	else
		tui_message(a, false, "read-only: %s's verdict, %zu of %zu (h/l walk, q goes back)",
			    p->who ? p->who : "?", a->pos + 1, a->o->n_only);
}

static void browse_step(app *a, int dir)
{
	if (dir < 0 ? a->pos == 0 : a->pos + 1 >= a->o->n_only) {
		tui_message(a, false, "this is the %s of the %zu", dir < 0 ? "first" : "last",
			    a->o->n_only);
		return;
	}
	a->pos += dir < 0 ? (size_t)-1 : 1;
	browse_show(a);
}

static void k_prev(app *a)
{
	if (a->o->only) {
		browse_step(a, -1);
		return;
	}
	if (a->pos == 0 || !a->n_hist) {
		tui_message(a, false, "this is the first sample of the session");
		return;
	}
	a->pos--;
	show(a, a->hist[a->pos]);
}

static void k_next(app *a)
{
	if (a->o->only) {
		browse_step(a, 1);
		return;
	}
	if (a->has_sample && a->pos + 1 >= a->n_hist && !a->dec.verdict[0]) {
		tui_message(a, false, "decide this one first (a, e, r) or skip it (s)");
		return;
	}
	advance(a);
}


static void k_goto(app *a)
{
	char *id = tui_prompt(a, "go to id:", NULL);
	if (!id)
		return;
	store_sample smp;
	assay_error err = {0};
	if (store_sample_by_ext_id(a->s, id, a->o->batch, &smp, &err) < 0) {
		tui_message(a, true, "%s", err.msg);
	} else {
		remember(a, smp.id);
		show(a, smp.id);
		store_sample_free(&smp);
	}
	free(id);
}

static void k_search(app *a)
{
	char *needle = tui_prompt(a, "search:", NULL);
	if (!needle)
		return;
	int64_t id;
	assay_error err = {0};
	if (store_search(a->s, &a->q, needle, a->has_sample ? a->smp.id : 0, &id, &err) < 0) {
		tui_message(a, true, "%s", err.msg);
	} else {
		remember(a, id);
		show(a, id);
		tui_message(a, false, "found \"%s\" (/ again for the next)", needle);
	}
	free(needle);
}

static void k_diff(app *a)
{
	if (!a->has_sample || strcmp(a->dec.verdict, "edited") != 0) {
		tui_message(a, false, "d shows the diff of an edited sample; this one is not edited");
		return;
	}
	a->diff = !a->diff;
	a->layout_dirty = true;
}

static void k_help(app *a)
{
	tui_help(a);
}

static void k_quit(app *a)
{
	/* an edit the store refused is only in memory: say so once */
	if (!tui_draft_holds_quit(a))
		a->quit = true;
}

static void k_redraw(app *a)
{
	clearok(curscr, TRUE);
	(void)a;
}

const tui_key tui_keys[] = {
	{'a', 0, "a", "accept", k_accept, true},
	{'e', 0, "e", "edit", tui_key_edit, true},
	{'E', 0, "E", "edit in $VISUAL/$EDITOR", tui_key_edit_external, false},
	{'r', 0, "r", "reject", k_reject, true},
	{'s', 0, "s", "skip", k_skip, true},
	{'u', 0, "u", "undo", k_undo, true},
	{'n', 0, "n", "add a note", k_note, false},
	{'h', KEY_LEFT, "h Left", "previous sample of this session", k_prev, false},
	{'l', KEY_RIGHT, "l Right", "next sample", k_next, false},
	{'j', KEY_DOWN, "j Down", "scroll the text down", tui_k_down, false},
	{'k', KEY_UP, "k Up", "scroll the text up", tui_k_up, false},
	{KEY_NPAGE, ' ', "PgDn", "page down", tui_k_page_down, false},
	{KEY_PPAGE, 0, "PgUp", "page up", tui_k_page_up, false},
	{'g', 0, "g", "go to a sample by id", k_goto, false},
	{'/', 0, "/", "search the text", k_search, false},
	{'d', 0, "d", "word diff of an edit against the original", k_diff, false},
	{'S', 0, "S", "ask the LLM for a corrected caption", tui_key_suggest, false},
	{'\r', KEY_ENTER, "Enter", "take the suggestion into the editor", tui_key_take_suggestion, false},
	{'x', 0, "x", "discard the suggestion", tui_key_discard_suggestion, false},
	{'?', 0, "?", "help", k_help, true},
	{12, 0, "Ctrl-L", "redraw the screen", k_redraw, false},
	{'q', 0, "q", "quit", k_quit, true},
};
const size_t tui_n_keys = ASSAY_ARRAY_LEN(tui_keys);

bool tui_key_browses(const tui_key *k)
{
	static void (*const ok[])(app *) = {
		k_prev, k_next, tui_k_down, tui_k_up, tui_k_page_down, tui_k_page_up, k_diff, k_help, k_redraw, k_quit,
	};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(ok); i++)
		if (k->fn == ok[i])
			return true;
	return false;
}

static void dispatch(app *a, int key)
{
	for (size_t i = 0; i < tui_n_keys; i++)
		if (tui_keys[i].key == key || (tui_keys[i].alt && tui_keys[i].alt == key)) {
			if (a->o->only && !tui_key_browses(&tui_keys[i])) {
				tui_message(a, false, "read-only: %s does nothing here (h/l walk, q goes "
						      "back)", tui_keys[i].label);
				return;
			}
			tui_keys[i].fn(a);
			return;
		}
}

static void setup_reasons(app *a)
{
	if (a->o->config && conf_has(a->o->config, "reasons") &&
	    conf_get_list(a->o->config, "reasons", &a->reasons, &a->n_reasons) == 0 &&
	    a->n_reasons) {
		a->reasons_owned = true;
		if (a->n_reasons > 10)
			a->n_reasons = 10; /* one digit each */
		return;
	}
	a->reasons = (char **)tui_default_reasons;
	a->n_reasons = tui_n_default_reasons;
}

static void teardown(app *a)
{
	clear_sample(a);
	free(a->draft);
	net_pool_free(a->pool);
	score_suggester_free(a->sg);
	if (a->reasons_owned)
		conf_list_free(a->reasons, a->n_reasons);
	free(a->hist);
	free(a->roles);
	abuf_free(&a->shown);
	text_cells_free(&a->cells);
	text_lines_free(&a->lines);
}

static int start(app *a, assay_error *err)
{
	int rc = store_annotator_ensure(a->s, a->o->annotator, &a->annotator_id, err);
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
	snprintf(a->session, sizeof a->session, "%lld", (long long)assay_now_ms());
	a->counts_pending = true;
	return ASSAY_OK;
}

/* The top bar's counts, taken while idle. */
static void count(app *a)
{
	assay_error err = {0};
	a->counts_pending = false;
	if (store_queue_counts(a->s, &a->q, &a->total, &a->decided_before, &err) < 0)
		tui_message(a, true, "%s", err.msg);
	a->delta = 0;
}

int tui_review_run(store *s, const tui_review_opts *o, tui_summary *sum, assay_error *err)
{
	app a = {.s = s, .o = o, .layout_dirty = true};
	a.scroll_lines = &a.lines;
	*sum = (tui_summary){0};
	int rc = start(&a, err);
	if (rc < 0)
		return rc;
	setup_reasons(&a);
	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		teardown(&a);
		return assay_fail(err, ASSAY_EIO, "cannot open the terminal (is TERM set?)");
	}
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	timeout(1000);
	tui_theme_apply(&a, o->theme);
	a.start_ns = assay_mono_ns();
	advance(&a);
	while (!a.quit) {
		tui_draw(&a);
		/* a suggestion in flight: wake often to move it along */
		bool pending = a.pool && net_pool_pending(a.pool) > 0;
		timeout(a.counts_pending ? 0 : pending ? 30 : 1000);
		wint_t ch;
		int kind = get_wch(&ch);
		if (a.pool && net_pool_step(a.pool) >= 0 && pending && !net_pool_pending(a.pool))
			tui_draw(&a);
		if (kind == ERR && a.counts_pending) {
			count(&a);
			continue;
		}
		tui_keep_lease(&a);
		if (kind == ERR)
			continue;
		if (kind == KEY_CODE_YES && ch == KEY_RESIZE) {
			a.layout_dirty = true;
			continue;
		}
		a.msg[0] = '\0';
		dispatch(&a, (int)ch);
	}
	/* the samples left undecided go back to the queue at once */
	assay_error e = {0};
	store_lease_release_all(s, a.annotator_id, &e);
	endwin();
	fflush(stdout);
	delscreen(scr);
	setvbuf(stdout, NULL, _IOLBF, 0);
	a.sum.seconds = (double)(assay_mono_ns() - a.start_ns) / 1e9;
	*sum = a.sum;
	teardown(&a);
	return ASSAY_OK;
}

int tui_review_browse(store *s, const tui_review_opts *o, assay_error *err)
{
	if (!o->only || !o->n_only)
		return assay_fail(err, ASSAY_EINVAL, "internal: a read-only review needs decisions");
	app a = {.s = s, .o = o, .layout_dirty = true, .total = (int64_t)o->n_only};
	a.scroll_lines = &a.lines;
	setup_reasons(&a);
	tui_theme_apply(&a, o->theme);
	a.start_ns = assay_mono_ns();
	timeout(1000);
	browse_show(&a);
	while (!a.quit) {
		tui_draw(&a);
		wint_t ch;
		int kind = get_wch(&ch);
		if (kind == ERR)
			continue;
		if (kind == KEY_CODE_YES && ch == KEY_RESIZE) {
			a.layout_dirty = true;
			continue;
		}
		a.msg[0] = '\0';
		dispatch(&a, (int)ch);
	}
	teardown(&a);
	return ASSAY_OK;
}
