/* wait.c — a decision another writer's lock holds back, kept by a screen
 * (the review screen's review_wait.c, the adjudication's conflicts_wait.c)
 * until a later try saves it: its copy, its message, the keys meanwhile. */
#include <stdlib.h>
#include <string.h>

#include "wait.h"

const char *tui_pend_name(const tui_pending *p)
{
	if (p->op == TUI_PEND_UNDO)
		return "undo";
	switch (p->in.kind) {
	case STORE_ACCEPT:
		return "accept";
	case STORE_EDIT:
		return "edit";
	case STORE_REJECT:
		return "reject";
	case STORE_SKIP:
		return "skip";
	default:
		return "note";
	}
}

void tui_pend_say(tui_base *b, const tui_pending *p)
{
	if (p->quit)
		tui_message(b, false,
			    "waiting for another writer: your %s is kept and saved "
			    "when it ends, then the screen closes (q again: leave without it)",
			    tui_pend_name(p));
	else
		tui_message(b, false,
			    "waiting for another writer: your %s is kept and saved "
			    "when it ends (q leaves after it)",
			    tui_pend_name(p));
}

static char *dup_or_null(const char *s, bool *ok)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*ok = false;
	return d;
}

bool tui_pend_keep(tui_pending *p, tui_view *v, int op, const store_decision_in *in)
{
	bool ok = true;
	*p = (tui_pending){.op = op};
	if (in) {
		p->in = *in;
		p->in.text = dup_or_null(in->text, &ok);
		p->in.reason = dup_or_null(in->reason, &ok);
	}
	if (!ok) {
		tui_pend_clear(p);
		tui_message(v->base, true,
			    "not saved: out of memory while another writer holds the "
			    "database");
		return false;
	}
	p->need = v->need;
	v->need = TUI_KEY_WAIT; /* only the keys that look meanwhile */
	v->refused = "waiting for another writer: this key works once your decision "
		     "is saved (q leaves after it)";
	tui_pend_say(v->base, p);
	return true;
}

void tui_pend_clear(tui_pending *p)
{
	free((char *)p->in.text);
	free((char *)p->in.reason);
	*p = (tui_pending){0};
}
