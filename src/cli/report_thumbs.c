/* report_thumbs.c — the report's pictures: a sample's media (a local
 * file, resolved and confined as the review screen does, or an http(s)
 * URL already in the download cache; downloaded only with --fetch-media)
 * decoded small in the limited child, through the thumbnail cache, and
 * embedded as a PNG data: URI, within a cap on their number and size. */
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "assay/media.h"
#include "report_thumbs.h"

#define THUMB_W 96
#define THUMB_H 72
#define THUMBS_MAX 60
#define THUMBS_BYTES ((size_t)1 << 20)

/* The sample's media file (allocated), or NULL; *source gets what the
 * thumbnail cache knows it by (the path, or the URL it was downloaded from). */
static char *media_file(const report_thumbs *t, int64_t sample_id, char **source)
{
	store_sample smp = {0};
	store_batch b = {0};
	assay_error e = {0};
	media_ref ref = {0};
	char *file = NULL;
	*source = NULL;
	if (store_sample_get(t->s, sample_id, &smp, &e) < 0)
		return NULL;
	if (store_batch_by_name(t->s, smp.batch_name, &b, &e) == ASSAY_OK) {
		char *dir = b.source[0] == '/' ? assay_strdup(b.source) : NULL;
		media_source src = {.fields = b.media_fields, .root = b.media_root,
				    .base_dir = dir ? dirname(dir) : NULL, .maps_json = b.media_maps};
		media_fetch_options fo = {.cached_only = !t->fetch};
		if (media_resolve(smp.record, &src, &ref, &e) == ASSAY_OK) {
			if (ref.kind == MEDIA_FILE)
				file = assay_strdup(ref.where);
			else if (ref.kind == MEDIA_URL && media_fetch(ref.where, &fo, &file, &e) < 0)
				file = NULL;
			*source = file ? assay_strdup(ref.kind == MEDIA_URL ? ref.where : file) : NULL;
		}
		media_ref_free(&ref);
		free(dir);
		store_batch_free(&b);
	}
	store_sample_free(&smp);
	if (file && !*source) {
		free(file);
		file = NULL;
	}
	return file;
}

void cli_report_thumb(void *ud, int64_t sample_id, abuf *out)
{
	report_thumbs *t = ud;
	if (t->n >= THUMBS_MAX || t->bytes >= THUMBS_BYTES)
		return;
	char *source = NULL, *file = media_file(t, sample_id, &source);
	if (!file)
		return;
	media_request req = {.max_w = THUMB_W, .max_h = THUMB_H};
	media_decoded d;
	assay_error e = {0};
	abuf uri = {0};
	if (media_decode_cached(file, source, &req, NULL, 0, &d, &e) == ASSAY_OK) {
		if (d.n > 0 && media_png_data_uri(&d.frames[0], &uri, &e) == ASSAY_OK &&
		    t->bytes + uri.len <= THUMBS_BYTES) {
			abuf_printf(out, "<img class='thumb' alt='' width='%d' height='%d' src='%s'>",
				    d.frames[0].w, d.frames[0].h, uri.data);
			t->bytes += uri.len;
			t->n++;
		}
		media_decoded_free(&d);
	}
	abuf_free(&uri);
	free(file);
	free(source);
}
