/* keys.c — the key registry: which table each view reads its keys from,
 * and the keys reserved for what is still to come (tests/tui/test_keys.c
 * keeps them free). */
#include "app.h"
#include "audit_int.h"
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

/* N, kept for "repeat the last search", f, for the filter, c, J and K,
 * for the context pane, and m, z, [, ], o and y, for the media pane, are
 * bound now; none is kept free at present. */
const tui_reserved tui_reserved_keys[] = {
	{0, NULL},
};
const size_t tui_n_reserved_keys = 0;
