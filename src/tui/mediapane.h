/* mediapane.h — the media pane of the sample screens (review, conflicts,
 * the audit's drill-down): the sample's picture, or a strip of its video's
 * frames, decoded by src/media/ in a child the event loop polls (never
 * waited for), drawn as coloured character cells; the samples coming next
 * decoded ahead into the thumbnail cache. Private to src/tui/. */
#ifndef ASSAY_TUI_MEDIAPANE_H
#define ASSAY_TUI_MEDIAPANE_H

#include <poll.h>

#include "assay/media.h"
#include "view.h"

#define TUI_MEDIA_STRIP 4   /* frames in a video's strip */
#define TUI_MEDIA_PREFETCH 2 /* samples decoded ahead */

enum tui_media_state {
	TUI_MEDIA_NONE,	    /* the sample names no media: no pane */
	TUI_MEDIA_FETCHING, /* downloading it */
	TUI_MEDIA_DECODING,
	TUI_MEDIA_READY,
	TUI_MEDIA_FAILED, /* msg says why, in one line */
};

/* [media] colors */
enum tui_media_want {
	TUI_MEDIA_WANT_AUTO,
	TUI_MEDIA_WANT_256,
	TUI_MEDIA_WANT_TRUE,
	TUI_MEDIA_WANT_NONE,
};

/* The colour pairs the cells are drawn in: an open-addressed table from
 * (fg, bg) to the pair made for them, pair numbers base.. next-1 in use. */
typedef struct tui_media_pairs {
	uint64_t *keys; /* 0: a free slot */
	int *pair;
	size_t slots; /* a power of two, at least twice the pairs */
	int base, next, limit;
} tui_media_pairs;

typedef struct tui_media {
	tui_base *b;
	bool off;  /* m: hidden */
	bool zoom; /* z: the whole screen */
	int64_t sample;
	enum tui_media_state state;
	char msg[1300];
	media_ref ref;
	char *file; /* what is decoded: the resolved file or the download */
	media_fetch_job *fetch;
	media_job *job;
	media_decoded dec;
	bool have; /* dec holds frames (kept while [ ] decode others) */
	uint32_t gen; /* counts the decodes shown: what a placed picture shows */
	int first, total;
	/* the batch whose settings are cached */
	char *batch, *fields, *root, *base, *maps;
	/* decoding ahead: the samples and their jobs (a URL's download first,
	   then its decode; pre_url: the URL, the thumbnail's source) */
	int64_t pre_ids[TUI_MEDIA_PREFETCH];
	media_job *pre[TUI_MEDIA_PREFETCH];
	media_fetch_job *pre_fetch[TUI_MEDIA_PREFETCH];
	char *pre_url[TUI_MEDIA_PREFETCH];
	/* [media] settings */
	media_fetch_options fetch_opt;
	bool fetch_on;
	bool prefetch; /* [media] prefetch: decode the next samples ahead */
	long timeout_ms;
	media_thumbs thumbs;
	/* how the cells are coloured (decided at the first draw) */
	enum tui_media_want want;
	media_colors colors;
	bool colors_known;
	tui_media_pairs pairs;
	int64_t asked_ns, drawn_ns; /* when the sample was asked for, first drawn */
} tui_media;

void tui_media_init(tui_media *m, tui_base *b);
void tui_media_free(tui_media *m);
/* Shows sample smp's media (a new decode unless it is on screen already;
 * NULL: none). */
void tui_media_show(tui_media *m, store *s, const store_sample *smp);
/* Decodes the media of these samples ahead (into the thumbnail cache),
 * an http(s) URL downloaded first (into the download cache) unless
 * [media] fetch = no. */
void tui_media_prefetch(tui_media *m, store *s, const int64_t *ids, size_t n);
/* The loop's tick: the jobs moved along; how long the loop may sleep. */
int tui_media_tick(tui_media *m);
int tui_media_pollfds(tui_media *m, struct pollfd *fds, int cap);
/* Whether a pane is to be drawn, and how many rows it wants at width w. */
bool tui_media_shown(const tui_media *m);
int tui_media_rows(const tui_media *m, int w, int avail);
/* Draws the pane in the box (y, x, w, h). */
void tui_media_draw(tui_media *m, int y, int x, int w, int h);
/* The zoomed pane over the rows from 1 to bottom (false: not zoomed). */
bool tui_media_draw_zoom(tui_media *m, int bottom);

/* mediacolor.c: [media] colors read from c; the mode for this terminal
 * (decided once the terminal is open; a note when what was asked cannot
 * be); room for `cells` new pairs made before a frame is drawn (else the
 * table starts over); the pair (0: none) that draws a cell's colours. */
int tui_media_colors_parse(const conf *c, enum tui_media_want *out, assay_error *err);
media_colors tui_media_colors(tui_media *m);
void tui_media_pairs_reserve(tui_media *m, int cells);
int tui_media_pair(tui_media *m, const media_cell *c);
void tui_media_pairs_free(tui_media *m);

/* The keys (the screens' tables call these through their own state). */
void tui_media_key_toggle(tui_media *m);
void tui_media_key_zoom(tui_media *m);
void tui_media_key_step(tui_media *m, int by);
void tui_media_key_open(tui_media *m);
void tui_media_key_copy(tui_media *m);

#endif
