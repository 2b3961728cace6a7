/* keys.h — the one key registry: every view's key table by name, and the
 * keys kept for one action each in every sample screen (the panes and
 * features the screens share). Private to src/tui/. */
#ifndef ASSAY_TUI_KEYS_H
#define ASSAY_TUI_KEYS_H

#include "view.h"

typedef struct tui_keymap {
	const char *view;
	const tui_key *keys;
	const size_t *n;
	bool panes; /* a sample screen the panes join: reserved keys apply */
} tui_keymap;

extern const tui_keymap tui_keymaps[];
extern const size_t tui_n_keymaps;

/* A key kept for one action (its help text) in every sample screen. */
typedef struct tui_reserved {
	int key;
	const char *what;
} tui_reserved;
extern const tui_reserved tui_reserved_keys[];
extern const size_t tui_n_reserved_keys;

#endif
