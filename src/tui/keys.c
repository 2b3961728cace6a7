/* keys.c — the key registry: which table each view reads its keys from,
 * and the keys reserved for the media pane (not bound yet;
 * tests/tui/test_keys.c keeps them free). */
#include "app.h"
#include "audit_int.h"
#include "keys.h"

const tui_keymap tui_keymaps[] = {
	{"review", tui_keys, &tui_n_keys, true},
	{"conflicts", tui_conflict_keys, &tui_n_conflict_keys, true},
	/* its 'o' (order the bars) predates the reservation; no pane comes here */
	{"audit", dash_keys, &dash_n_keys, false},
};
const size_t tui_n_keymaps = ASSAY_ARRAY_LEN(tui_keymaps);

/* N, kept for "repeat the last search", f, for the filter, and c, J and K,
 * for the context pane, are bound now. */
const tui_reserved tui_reserved_keys[] = {
	{'m', "media pane on/off"},
	{'z', "zoom the media"},
	{'o', "open the original"},
	{'y', "copy its path or URL"},
	{'[', "previous video frame"},
	{']', "next video frame"},
};
const size_t tui_n_reserved_keys = ASSAY_ARRAY_LEN(tui_reserved_keys);
