/* wait.h — how long the screens' writes wait for another writer's lock (a
 * learned rescore in bulk holds it longer than the busy wait): a short try,
 * then again from a later tick, so a screen never stalls for the lock.
 * Private to src/tui/. */
#ifndef ASSAY_TUI_WAIT_H
#define ASSAY_TUI_WAIT_H

/* A decision's first try waits this long for another writer's lock (a
 * rescore's step and the pause after it), each try after it this long. */
#define TUI_TRY_FIRST_MS 400
#define TUI_TRY_MS 50

#endif
