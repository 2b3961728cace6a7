/* pager.h — a long text over the whole screen, wrapped and scrollable (a
 * view on top of its owner). Private to src/tui/. */
#ifndef ASSAY_TUI_PAGER_H
#define ASSAY_TUI_PAGER_H

#include "view.h"

/* Shows a copy of text (untrusted: drawn through the text layer) under
 * title; j/k, arrows, PgDn/Space, PgUp, Home/End scroll, q or Esc closes. */
void tui_pager(tui_view *owner, const char *title, const char *text);

#endif
