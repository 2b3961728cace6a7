/* app.h — the review screen's single application state and what its files
 * (review.c: actions and the loop, review_edit.c: editing and suggestions,
 * screen.c: drawing, dialogs.c: prompts, pickers and the help overlay,
 * theme.c: colours) share. */
#ifndef ASSAY_TUI_APP_H
#define ASSAY_TUI_APP_H

#include <curses.h>

#include "assay/text.h"
#include "assay/tui.h"

/* The one key table: each row a key, its label and help, and its action. */
typedef struct app app;
typedef struct tui_key {
	int key, alt;      /* the key, and another that does the same (or 0) */
	const char *label;
	const char *help;
	void (*fn)(app *a);
	bool hint; /* shown in the footer */
} tui_key;

extern const tui_key tui_keys[];
extern const size_t tui_n_keys;

struct app {
	store *s;
	const tui_review_opts *o;
	store_queue q;
	store_cursor cur;
	int64_t annotator_id;
	char session[40];

	/* the sample on screen */
	bool has_sample;
	store_sample smp;
	store_decision dec;
	store_score *scores;
	size_t n_scores;
	char **notes;
	size_t n_notes;
	int64_t shown_ns;     /* when it appeared, for the time spent */
	int64_t leased_ns;    /* when its lease was last renewed */
	bool leasing;         /* the queue review (not a read-only or lead's view) */

	/* its metadata lines, read from the record once per sample */
	char meta[6][256];
	size_t n_meta;
	bool meta_ready;

	/* samples seen this session, for h / l */
	int64_t *hist;
	size_t n_hist, cap_hist, pos;

	/* the text as laid out: what is drawn, and the role of each byte */
	abuf shown;
	unsigned char *roles;
	size_t roles_cap;
	text_cells cells;
	text_lines lines;
	int wrap_width;
	bool layout_dirty;
	int scroll;
	/* the lines j/k/PgDn/PgUp scroll through: &lines, or a view's own */
	const text_lines *scroll_lines;
	bool diff;

	/* the top bar's counts: decided_before when counted (while idle after
	 * the first frame: counting a big queue takes a while), plus what this
	 * session changed since */
	int64_t total, decided_before, delta;
	bool counts_pending;
	tui_summary sum;
	int64_t start_ns;
	char msg[512];
	bool msg_error;
	bool quit, done;

	/* `S`: a corrected caption asked of the LLM, without blocking */
	struct score_suggester *sg;
	struct net_pool *pool;
	int64_t suggest_for;   /* the sample asked about; 0: none pending */
	char *suggestion;      /* the answer for the sample on screen */

	/* An edit the store refused (disk full, database locked): kept, and
	 * what `e` opens on that sample, until it is saved. */
	int64_t draft_for;
	char *draft;
	bool draft_warned;

	/* Another view sharing this state (the audit dashboard, the conflicts
	 * view) draws itself here when a dialog sees a resize; NULL: tui_draw. */
	void (*redraw)(app *a);

	attr_t attr[CONF_ROLE_COUNT];
	char **reasons;
	size_t n_reasons;
	bool reasons_owned;
	int text_rows; /* rows the text got at the last draw, for paging */
};

/* theme.c */
void tui_theme_apply(app *a, const conf_theme *t);

/* screen.c */
void tui_draw(app *a);

/* The scrolling keys shared by the screens (screen.c): down and up a line
 * or a page through *a->scroll_lines, kept within the text. */
void tui_k_down(app *a);
void tui_k_up(app *a);
void tui_k_page_down(app *a);
void tui_k_page_up(app *a);
void tui_layout(app *a, int width);

/* dialogs.c: each returns an allocated string (caller frees) or NULL when
 * cancelled; tui_pick_reason returns a reason or NULL. */
char *tui_prompt(app *a, const char *label, const char *initial);
char *tui_pick_reason(app *a);
void tui_help(app *a);

/* review.c */
/* Whether a key works in a read-only review (walking, scrolling, the diff,
 * help, quit); the others do nothing there. */
bool tui_key_browses(const tui_key *k);
/* Records a decision on the sample on screen (store_decide), then shows
 * the next sample, or the same one again when stay. False when refused. */
bool tui_decide(app *a, int kind, const char *text, const char *reason, bool stay);

/* An edit the store refused is kept in memory as the sample's draft, so it
 * is never lost (review_edit.c): keep takes *text over (sets it NULL) and
 * says so under the store's message; settled drops the draft of sample id
 * once its edit is saved; holds_quit warns once, on the first q, that the
 * draft would be lost (true: do not quit yet). */
/* The built-in editor over the whole screen on text, themed like the
 * screen behind it (which is redrawn on a resize): TUI_EDITOR_SAVED with
 * the new text in *out (the caller frees it), TUI_EDITOR_UNCHANGED, a
 * cancel, or < 0 with err set. */
int tui_edit_full_screen(app *a, const char *title, const char *text, char **out,
			 assay_error *err);
void tui_draft_keep(app *a, int64_t id, char **text);
void tui_draft_settled(app *a, int64_t id);
bool tui_draft_holds_quit(app *a);

/* review_edit.c: the keys that edit (e, E) and handle a suggestion (S,
 * Enter, x) */
void tui_key_edit(app *a);
void tui_key_edit_external(app *a);
void tui_key_suggest(app *a);
void tui_key_take_suggestion(app *a);
void tui_key_discard_suggestion(app *a);

/* Renews the lease on the sample on screen when a tenth of it has passed;
 * every view's key loop calls it (a no-op outside the queue review). */
void tui_keep_lease(app *a);
void tui_message(app *a, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
