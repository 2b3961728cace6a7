/* media.h — a sample's picture: finding its media (fields, paths, URLs,
 * mapped schemes, a download cache), decoding stills and video frames in a
 * limited child process, caching the thumbnails, and turning pixels into a
 * grid of coloured character cells that only tui/ draws. */
#ifndef ASSAY_MEDIA_H
#define ASSAY_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assay/common.h"

/* ---- Locating: record -> file, URL or "not reachable" (pure) ------------- */

typedef enum media_kind {
	MEDIA_NONE,	   /* no media field in the record */
	MEDIA_FILE,	   /* where: a local path */
	MEDIA_URL,	   /* where: an http(s) URL, for media_fetch */
	MEDIA_UNREACHABLE, /* where: the URI as written; message: "not reachable: URI" */
} media_kind;

/* One --media-map rule: a value starting with prefix has it replaced by
 * url_prefix (e.g. "s3://bucket/" = "https://bucket.example.com/"). */
typedef struct media_map {
	const char *prefix;
	const char *url_prefix;
} media_map;

typedef struct media_locate_options {
	const char *fields;	/* --media: comma-separated field paths (a.b.c), the
				   first present wins; NULL or "": MEDIA_DEFAULT_FIELDS
				   at any depth */
	const char *media_root; /* --media-root: relative paths resolve against it */
	const char *base_dir;	/* else against this (the source file's directory);
				   NULL: left relative */
	const media_map *maps;	/* the longest matching prefix wins */
	size_t n_maps;
} media_locate_options;

/* The names looked for when no --media is given: at the top level first,
 * in this order, then in nested objects (meta.source.image_url), shallowest
 * first. Only non-empty string values count. */
#define MEDIA_DEFAULT_FIELDS                                                                       \
	"image,image_path,image_url,img,video,video_path,video_url,media,file,path"

typedef struct media_ref {
	media_kind kind;
	char field[256];    /* the field path the value came from ("meta.source.path") */
	char *where;	    /* MEDIA_FILE: the path; MEDIA_URL: the URL; MEDIA_UNREACHABLE:
			       the URI in full (to show or copy); MEDIA_NONE: NULL */
	char message[1200]; /* MEDIA_UNREACHABLE / MEDIA_NONE: why, one line (a URI
			       over ~1180 bytes is cut here, never in where) */
	bool relative;	    /* MEDIA_FILE: where was joined to the media root or
			       the source's directory */
	char root[4096];    /* media_resolve: the directory it must stay in */
} media_ref;

/* Finds the media of one record (its JSON text) without touching the file
 * system. A record that is not a JSON object is ASSAY_EFORMAT; a record
 * without media is ASSAY_OK with kind MEDIA_NONE. out->where is allocated:
 * free with media_ref_free. */
int media_locate(const char *record_json, const media_locate_options *opt, media_ref *out,
		 assay_error *err);
void media_ref_free(media_ref *ref);
/* Parses one --media-map value "PREFIX=URL_PREFIX" into pointers inside
 * spec (which must outlive the map; the '=' is overwritten). */
int media_parse_map(char *spec, media_map *out, assay_error *err);

/* A batch's media as stored (store_batch's media_fields, media_root,
 * media_maps) and the directory of the file it was imported from. */
typedef struct media_source {
	const char *fields;    /* comma-separated, "" or NULL: the default names */
	const char *root;      /* "" or NULL: base_dir */
	const char *base_dir;  /* NULL: none (stdin, a URL) */
	const char *maps_json; /* a JSON array of "PREFIX=URL_PREFIX", "" or NULL */
} media_source;

/* media_locate by a batch's settings, then a local file checked on the
 * file system: its symbolic links resolved (where becomes that path) and,
 * when the record named it by a relative path, confined to the media
 * root, so "../x" or a link out of the root is refused. A refusal (not
 * found, a loop of links, outside the root, no root for a relative path)
 * is kind MEDIA_UNREACHABLE with message "cannot show NAME: why" and
 * where kept as written; ASSAY_OK all the same. */
int media_resolve(const char *record_json, const media_source *src, media_ref *out,
		  assay_error *err);

/* ---- Fetching http(s) media into the download cache ----------------------- */

typedef struct media_fetch_options {
	const char *cache_dir; /* NULL: $XDG_CACHE_HOME/assay/media, else
				  ~/.cache/assay/media */
	size_t max_bytes;      /* 0: 64 MiB: a larger body is refused */
	long timeout_ms;       /* whole download; 0: 20 s */
	uint64_t cache_bytes;  /* 0: 512 MiB; oldest-used files go first */
	bool insecure;	       /* skip TLS verification (as --insecure) */
	bool cached_only;      /* never download: a URL not in the cache is
				  ASSAY_ENOTFOUND ("not downloaded yet") */
} media_fetch_options;

/* Downloads url (through net/) unless the cache holds it, and returns the
 * cached file's path in *path (allocated; caller frees). A hit is marked as
 * used (mtime) for the LRU. The answer must be 2xx with an image/, video/ or
 * octet-stream Content-Type (or none). Failures are one line, "cannot show
 * NAME: reason". */
int media_fetch(const char *url, const media_fetch_options *opt, char **path, assay_error *err);
/* The directory under $XDG_CACHE_HOME (else ~/.cache) named assay/SUB,
 * created if missing; into out (cap bytes). */
int media_cache_dir(const char *sub, char *out, size_t cap, assay_error *err);
/* Removes the least recently used files (by mtime) of dir until the regular
 * files whose names end in suffix total at most max_bytes. */
int media_cache_trim(const char *dir, const char *suffix, uint64_t max_bytes, assay_error *err);

/* The same in a forked child, for an event loop: the parent polls
 * media_fetch_job_fd and calls media_fetch_job_step, which returns 0
 * while it works, 1 with *path (allocated) when the file is in the cache,
 * < 0 with err ("cannot show NAME: ...") on failure or past the timeout
 * (the child killed). */
typedef struct media_fetch_job media_fetch_job;
media_fetch_job *media_fetch_job_start(const char *url, const media_fetch_options *opt,
				       assay_error *err);
int media_fetch_job_fd(const media_fetch_job *j);
int media_fetch_job_timeout_ms(const media_fetch_job *j);
int media_fetch_job_step(media_fetch_job *j, char **path, assay_error *err);
/* Kills an unfinished fetch, reaps it, frees j. */
void media_fetch_job_free(media_fetch_job *j);

/* ---- Decoding, in a limited child process --------------------------------- */

typedef struct media_limits {
	uint64_t memory;    /* address space the child may add; 0: 512 MiB (not
			       applied under AddressSanitizer, which reserves terabytes) */
	int cpu_seconds;    /* RLIMIT_CPU; 0: 10 */
	long timeout_ms;    /* wall clock, enforced by the parent; 0: 5000 */
	int max_side;	    /* 0: 16384 px */
	int64_t max_pixels; /* 0: 64 Mpx */
} media_limits;

typedef struct media_request {
	int max_w, max_h; /* pixels are scaled to fit (never up); 0: 320 x 240 */
	int first, count; /* frames first .. first+count-1 of total, at evenly spaced */
	int total;	  /* times: frame k shows time (k + 0.5) * duration / total.
			     0 0 0: one frame (a still, or a video's middle) */
	media_limits limits;
} media_request;

typedef struct media_frame {
	int w, h;	 /* pixels: w * h * 4 bytes, RGBA, rows packed */
	int64_t pts_ms;	 /* the frame's time in the video (0 for a still) */
	int64_t want_ms; /* the time asked for */
	uint8_t *rgba;
} media_frame;

typedef struct media_info {
	bool video;
	int width, height;   /* the source's size */
	int64_t duration_ms; /* -1 when unknown (always for a still) */
	int64_t frames;	     /* frame count (container's, else duration x rate);
				1 for a still, -1 when unknown */
	char codec[32];
	char format[32];
} media_info;

typedef struct media_decoded {
	media_info info;
	int n; /* frames returned */
	media_frame *frames;
	/* the child's resource use (0 when served from the thumbnail cache) */
	long child_maxrss_kb;
	double child_cpu_ms;
	double wall_ms;
	bool cached; /* served by media_decode_cached from the cache */
} media_decoded;

/* Decodes path in a forked child limited in memory, CPU time and file size,
 * with no descriptor but its pipe, killed after the timeout. Any failure
 * is ASSAY_EFORMAT with one line "cannot show NAME: reason" (corrupt,
 * truncated, not an image or video, too large, timed out, killed by signal
 * N). Blocks until then. Free out with media_decoded_free. */
int media_decode(const char *path, const media_request *req, media_decoded *out, assay_error *err);
void media_decoded_free(media_decoded *d);

/* The thumbnail cache: keyed by (source, its size and mtime, the requested
 * size and frames), bounded, least recently used first out. */
typedef struct media_thumbs {
	const char *dir;    /* NULL: $XDG_CACHE_HOME/assay/thumbs, else ~/.cache/... */
	uint64_t max_bytes; /* 0: 256 MiB */
} media_thumbs;

/* As media_decode, through the thumbnail cache in dir (NULL: the default)
 * bounded to cache_bytes (0: 256 MiB). source is the path or URL the file
 * came from (NULL: path). Failures are not cached. */
int media_decode_cached(const char *path, const char *source, const media_request *req,
			const char *dir, uint64_t cache_bytes, media_decoded *out,
			assay_error *err);

/* ---- The same without blocking, for an event loop or prefetching -------- */

typedef struct media_job media_job;

/* Starts decoding path: answered from the thumbnail cache at once when
 * thumbs is not NULL and holds it, else by a decoder child. NULL on error
 * (err: "cannot show NAME: ..."). Free with media_job_free. */
media_job *media_job_start(const char *path, const char *source, const media_request *req,
			   const media_thumbs *thumbs, assay_error *err);
/* The descriptor to poll for POLLIN; -1 when media_job_step can answer
 * without waiting. */
int media_job_fd(const media_job *j);
/* The longest a poll may wait before media_job_step must be called (the
 * decoder's deadline), in ms. */
int media_job_timeout_ms(const media_job *j);
/* Takes what the decoder has sent, without blocking. Returns 0 while it
 * works, 1 when out is filled, < 0 with err on failure (as media_decode).
 * After a nonzero return the job is over: only media_job_free remains. */
int media_job_step(media_job *j, media_decoded *out, assay_error *err);
/* Kills an unfinished decoder (and reaps it) and frees j. */
void media_job_free(media_job *j);

/* ---- Cells: pixels as coloured character cells (libchafa) ----------------- */

typedef enum media_colors {
	MEDIA_COLORS_NONE, /* NO_COLOR: shading symbols only; fg/bg unset (-1) */
	MEDIA_COLORS_256,  /* the 240 fixed colours 16-255 of a 256-colour terminal */
	MEDIA_COLORS_TRUE, /* 24-bit colour */
} media_colors;

/* A colour left to the terminal: transparent pixels, and every cell under
 * MEDIA_COLORS_NONE. */
#define MEDIA_CELL_DEFAULT 0xFFFFFFFFu

typedef struct media_cell {
	char sym[8];	  /* one printable UTF-8 character, NUL-terminated */
	uint32_t fg, bg;  /* 0xRRGGBB, or MEDIA_CELL_DEFAULT */
	int16_t fg_index; /* MEDIA_COLORS_256: the palette index, else -1 */
	int16_t bg_index;
} media_cell;

typedef struct media_cells {
	int w, h; /* columns, rows */
	media_colors colors;
	media_cell *cells; /* row-major, w * h */
} media_cells;

/* The grid (at most max_cols x max_rows) that shows a w x h picture with its
 * aspect, for cells font_ratio (width / height, 0: 0.5) as wide as tall. */
void media_cells_fit(int w, int h, int max_cols, int max_rows, double font_ratio, int *cols,
		     int *rows);
/* Draws frame into a cols x rows grid. Free with media_cells_free. */
int media_cells_render(const media_frame *frame, int cols, int rows, media_colors colors,
		       media_cells *out, assay_error *err);
void media_cells_free(media_cells *c);

/* ---- A terminal's own pictures: sixel and kitty graphics ------------------
 * Only pixels and numbers go into these sequences. */

/* The size (at most max_w x max_h, never larger than the frame) that
 * shows frame with its aspect. */
void media_gfx_fit(const media_frame *f, int max_w, int max_h, int *w, int *h);
/* Appends frame scaled to w x h pixels as one sixel image (DCS ... ST): the
 * registers of a 6x6x6 palette it uses, then bands of six rows;
 * transparent pixels left unpainted. */
int media_sixel_encode(const media_frame *f, int w, int h, abuf *out, assay_error *err);
/* The most base64 bytes in one kitty graphics escape. */
#define MEDIA_KITTY_CHUNK 4096
/* Appends frame scaled to w x h pixels as a kitty graphics image with this
 * id shown at the cursor over cols x rows cells (a=T, raw RGBA in base64
 * chunks, no answer asked for, the cursor not moved). */
int media_kitty_encode(const media_frame *f, int w, int h, uint32_t id, int cols, int rows,
		       abuf *out, assay_error *err);
/* Appends the escape that deletes kitty image id (and its data). */
void media_kitty_delete(uint32_t id, abuf *out);

/* Appends frame as "data:image/png;base64,..." (RGB, transparency on
 * white) to out: keep the frame small, the URI is about 4/3 of its PNG. */
int media_png_data_uri(const media_frame *frame, abuf *out, assay_error *err);

#endif
