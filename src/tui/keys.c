/* keys.c — the key registry: which table each view reads its keys from,
 * and the keys reserved for what is still to come (tests/tui/test_keys.c
 * keeps them free). */
#include "app.h"
#include "audit_int.h"
#include "conflicts_int.h"
#include "keys.h"

const tui_keymap tui_keymaps[] = {
	{"review", tui_keys, &tui_n_keys, true},
	{"pair", tui_pair_keys, &tui_n_pair_keys, true},
	{"conflicts", tui_conflict_keys, &tui_n_conflict_keys, true},
	{"pair conflicts", tui_pair_conflict_keys, &tui_n_pair_conflict_keys, true},
	/* its 'o' (order the bars) predates the reservation; no pane comes here */
	{"audit", dash_keys, &dash_n_keys, false},
};
const size_t tui_n_keymaps = ASSAY_ARRAY_LEN(tui_keymaps);

/* Kept for one action in every sample screen: a screen binds the key to
 * that action (the help text is the action's) or leaves it free. */
const tui_reserved tui_reserved_keys[] = {
	{'N', "repeat the last search"},
	{'m', "show or hide the media pane"},
	{'z', "zoom the media to the whole screen"},
	{'o', "open the original ($ASSAY_OPENER)"},
	{'y', "copy the media's path or URL (OSC 52)"},
	{'[', "previous frames of the video"},
	{']', "next frames of the video"},
	{'c', "fold or show the context"},
	{'J', "scroll the context down"},
	{'K', "scroll the context up"},
	{'f', "edit the filter (a --where expression)"},
};
const size_t tui_n_reserved_keys = ASSAY_ARRAY_LEN(tui_reserved_keys);
