/* Tests for src/tui/keys.c: within one view no two actions share a key,
 * and a sample screen binds a reserved key only to the action it is kept
 * for. */
#include <stdio.h>
#include <string.h>

#include "../../src/tui/keys.h"
#include "unit.h"

/* The codes a row answers to: its key and its other key. */
static bool row_has(const tui_key *k, int code)
{
	return code && (k->key == code || k->alt == code);
}

TEST(no_two_actions_of_a_view_share_a_key)
{
	CHECK(tui_n_keymaps >= 3);
	for (size_t m = 0; m < tui_n_keymaps; m++) {
		const tui_keymap *km = &tui_keymaps[m];
		CHECK(*km->n > 0);
		for (size_t i = 0; i < *km->n; i++)
			for (size_t j = i + 1; j < *km->n; j++) {
				const tui_key *a = &km->keys[i], *b = &km->keys[j];
				bool shared = row_has(b, a->key) || row_has(b, a->alt);
				if (shared)
					fprintf(stderr, "# %s: %s and %s share a key\n", km->view, a->label,
						b->label);
				CHECK(!shared);
			}
	}
}

TEST(reserved_keys_mean_one_action_in_every_sample_screen)
{
	CHECK(tui_n_reserved_keys == 11);
	for (size_t r = 0; r < tui_n_reserved_keys; r++) {
		for (size_t q = r + 1; q < tui_n_reserved_keys; q++)
			CHECK(tui_reserved_keys[r].key != tui_reserved_keys[q].key);
		for (size_t m = 0; m < tui_n_keymaps; m++) {
			const tui_keymap *km = &tui_keymaps[m];
			if (!km->panes)
				continue;
			for (size_t i = 0; i < *km->n; i++) {
				const tui_key *k = &km->keys[i];
				bool other = row_has(k, tui_reserved_keys[r].key) &&
					     strcmp(k->help, tui_reserved_keys[r].what) != 0;
				if (other)
					fprintf(stderr, "# %s: \"%s\" takes the key kept for \"%s\"\n",
						km->view, k->help, tui_reserved_keys[r].what);
				CHECK(!other);
			}
		}
	}
}

TEST(every_view_has_help_and_quit)
{
	for (size_t m = 0; m < tui_n_keymaps; m++) {
		const tui_keymap *km = &tui_keymaps[m];
		bool help = false, quit = false;
		for (size_t i = 0; i < *km->n; i++) {
			help |= km->keys[i].key == '?';
			quit |= km->keys[i].key == 'q';
			CHECK(km->keys[i].fn && km->keys[i].label && km->keys[i].help);
		}
		CHECK(help && quit);
	}
}

UNIT_MAIN(UNIT_CASE(no_two_actions_of_a_view_share_a_key),
	  UNIT_CASE(reserved_keys_mean_one_action_in_every_sample_screen),
	  UNIT_CASE(every_view_has_help_and_quit))
