/* mediapane.c — the media pane's state: which file a sample's media is
 * (resolved by its batch's settings, downloaded when it is a URL), its
 * decode running in a child the loop polls, and the next samples decoded
 * ahead so that moving on finds them in the thumbnail cache. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mediapane.h"

static media_request request(const tui_media *m)
{
	media_request r = {.max_w = 320, .max_h = 240, .first = m->first,
			   .count = TUI_MEDIA_STRIP, .total = m->total};
	r.limits.timeout_ms = m->timeout_ms;
	return r;
}

void tui_media_init(tui_media *m, tui_base *b)
{
	*m = (tui_media){.b = b, .total = TUI_MEDIA_STRIP, .timeout_ms = 5000, .fetch_on = true,
			 .prefetch = true};
	const conf *c = b->config;
	long t = 5000, ft = 20000, mb = 64;
	assay_error e = {0};
	if (c && (conf_get_int(c, "media.timeout_ms", 5000, 100, 600000, &t, &e) < 0 ||
		  conf_get_int(c, "media.fetch_timeout_ms", 20000, 100, 600000, &ft, &e) < 0 ||
		  conf_get_int(c, "media.fetch_max_mb", 64, 1, 4096, &mb, &e) < 0 ||
		  conf_get_bool(c, "media.fetch", true, &m->fetch_on, &e) < 0 ||
		  conf_get_bool(c, "media.prefetch", true, &m->prefetch, &e) < 0 ||
		  tui_media_colors_parse(c, &m->want, &e) < 0))
		tui_message(b, true, "%s", e.msg);
	m->timeout_ms = t;
	m->fetch_opt = (media_fetch_options){.timeout_ms = ft, .max_bytes = (size_t)mb << 20};
}

/* Drops what the pane shows (not the prefetches, nor the batch cache). */
static void drop(tui_media *m)
{
	media_job_free(m->job);
	media_fetch_job_free(m->fetch);
	m->job = NULL;
	m->fetch = NULL;
	if (m->have)
		media_decoded_free(&m->dec);
	m->have = false;
	media_ref_free(&m->ref);
	free(m->file);
	m->file = NULL;
	m->state = TUI_MEDIA_NONE;
	m->msg[0] = '\0';
	m->sample = 0;
}

static void drop_pre(tui_media *m, int i)
{
	media_job_free(m->pre[i]);
	media_fetch_job_free(m->pre_fetch[i]);
	free(m->pre_url[i]);
	m->pre[i] = NULL;
	m->pre_fetch[i] = NULL;
	m->pre_url[i] = NULL;
	m->pre_ids[i] = 0;
}

static void drop_batch(tui_media *m)
{
	free(m->batch);
	free(m->fields);
	free(m->root);
	free(m->base);
	free(m->maps);
	m->batch = m->fields = m->root = m->base = m->maps = NULL;
}

void tui_media_free(tui_media *m)
{
	drop(m);
	for (int i = 0; i < TUI_MEDIA_PREFETCH; i++)
		drop_pre(m, i);
	drop_batch(m);
	tui_media_pairs_free(m);
}

/* The batch's media settings, read once per batch. */
static int batch_settings(tui_media *m, store *s, const char *name, media_source *src)
{
	if (!m->batch || strcmp(m->batch, name) != 0) {
		drop_batch(m);
		store_batch b = {0};
		assay_error e = {0};
		if (store_batch_by_name(s, name, &b, &e) < 0)
			return -1;
		char *dir = b.source[0] == '/' ? assay_strdup(b.source) : NULL;
		m->base = dir ? assay_strdup(dirname(dir)) : NULL;
		free(dir);
		m->batch = assay_strdup(name);
		m->fields = assay_strdup(b.media_fields);
		m->root = assay_strdup(b.media_root);
		m->maps = assay_strdup(b.media_maps);
		store_batch_free(&b);
		if (!m->batch || !m->fields || !m->root || !m->maps) {
			drop_batch(m);
			return -1;
		}
	}
	*src = (media_source){.fields = m->fields, .root = m->root, .base_dir = m->base,
			      .maps_json = m->maps};
	return 0;
}

static void fail(tui_media *m, const char *msg)
{
	m->state = TUI_MEDIA_FAILED;
	snprintf(m->msg, sizeof m->msg, "%.1250s", msg);
}

/* Starts decoding m->file (the frames m->first.. of m->total). */
static void start_decode(tui_media *m)
{
	media_request r = request(m);
	assay_error e = {0};
	media_job_free(m->job);
	m->job = media_job_start(m->file, m->ref.where, &r, &m->thumbs, &e);
	if (!m->job) {
		fail(m, e.msg);
		return;
	}
	m->state = TUI_MEDIA_DECODING;
	tui_media_tick(m); /* a thumbnail cache hit is drawn at once */
}

/* Where the media of a record is: resolved (and checked) into ref. */
static int locate(tui_media *m, store *s, const store_sample *smp, media_ref *ref)
{
	media_source src;
	assay_error e = {0};
	if (batch_settings(m, s, smp->batch_name, &src) < 0)
		return -1;
	if (media_resolve(smp->record, &src, ref, &e) < 0)
		return -1;
	return 0;
}

void tui_media_show(tui_media *m, store *s, const store_sample *smp)
{
	if (smp && m->sample == smp->id)
		return;
	drop(m);
	m->first = 0;
	m->total = TUI_MEDIA_STRIP;
	m->asked_ns = assay_mono_ns();
	m->drawn_ns = 0;
	if (!smp || locate(m, s, smp, &m->ref) < 0)
		return;
	m->sample = smp->id;
	if (m->ref.kind == MEDIA_NONE)
		return;
	if (m->ref.kind == MEDIA_UNREACHABLE) {
		fail(m, m->ref.message);
		return;
	}
	if (m->ref.kind == MEDIA_FILE) {
		m->file = assay_strdup(m->ref.where);
		if (m->file)
			start_decode(m);
		return;
	}
	if (!m->fetch_on) {
		char line[600];
		snprintf(line, sizeof line, "not fetched ([media] fetch = no): %s", m->ref.where);
		fail(m, line);
		return;
	}
	assay_error e = {0};
	for (int i = 0; i < TUI_MEDIA_PREFETCH && !m->fetch; i++)
		if (m->pre_ids[i] == smp->id && m->pre_fetch[i]) { /* downloading ahead: taken on */
			m->fetch = m->pre_fetch[i];
			m->pre_fetch[i] = NULL;
		}
	if (!m->fetch)
		m->fetch = media_fetch_job_start(m->ref.where, &m->fetch_opt, &e);
	if (!m->fetch)
		fail(m, e.msg);
	else
		m->state = TUI_MEDIA_FETCHING;
}

/* The request a sample's first look makes (so what is decoded ahead is
 * what the thumbnail cache is asked for then). */
static media_request ahead_request(const tui_media *m)
{
	media_request r = {.max_w = 320, .max_h = 240, .count = TUI_MEDIA_STRIP,
			   .total = TUI_MEDIA_STRIP};
	r.limits.timeout_ms = m->timeout_ms;
	return r;
}

/* Starts the work ahead for the media ref in slot i: a local file's
 * decode, or a URL's download (its decode follows in tui_media_tick). */
static void start_ahead(tui_media *m, int i, const media_ref *ref)
{
	media_request r = ahead_request(m);
	assay_error e = {0};
	if (ref->kind == MEDIA_FILE) {
		m->pre[i] = media_job_start(ref->where, ref->where, &r, &m->thumbs, &e);
	} else if (ref->kind == MEDIA_URL && m->fetch_on) {
		m->pre_url[i] = assay_strdup(ref->where);
		m->pre_fetch[i] =
		    m->pre_url[i] ? media_fetch_job_start(ref->where, &m->fetch_opt, &e) : NULL;
	}
}

void tui_media_prefetch(tui_media *m, store *s, const int64_t *ids, size_t n)
{
	if (!m->prefetch)
		n = 0;
	for (int i = 0; i < TUI_MEDIA_PREFETCH; i++) {
		bool wanted = false;
		for (size_t k = 0; k < n; k++)
			wanted |= m->pre_ids[i] == ids[k];
		if (!wanted)
			drop_pre(m, i);
	}
	for (size_t k = 0; k < n && k < TUI_MEDIA_PREFETCH; k++) {
		int free_slot = -1;
		bool have = false;
		for (int i = 0; i < TUI_MEDIA_PREFETCH; i++) {
			have |= m->pre_ids[i] == ids[k];
			if (!m->pre_ids[i] && free_slot < 0)
				free_slot = i;
		}
		store_sample smp = {0};
		media_ref ref = {0};
		assay_error e = {0};
		if (have || free_slot < 0 || ids[k] == m->sample ||
		    store_sample_get(s, ids[k], &smp, &e) < 0)
			continue;
		if (locate(m, s, &smp, &ref) == 0)
			start_ahead(m, free_slot, &ref);
		m->pre_ids[free_slot] = ids[k];
		media_ref_free(&ref);
		store_sample_free(&smp);
	}
}

/* The download's end: the file decoded next, or the failure shown. */
static void fetch_step(tui_media *m)
{
	char *path = NULL;
	assay_error e = {0};
	int rc = media_fetch_job_step(m->fetch, &path, &e);
	if (rc == 0)
		return;
	media_fetch_job_free(m->fetch);
	m->fetch = NULL;
	if (rc < 0) {
		fail(m, e.msg);
		return;
	}
	m->file = path;
	start_decode(m);
}

static void decode_step(tui_media *m)
{
	media_decoded d;
	assay_error e = {0};
	int rc = media_job_step(m->job, &d, &e);
	if (rc == 0)
		return;
	media_job_free(m->job);
	m->job = NULL;
	if (rc < 0) {
		fail(m, e.msg);
		return;
	}
	if (m->have)
		media_decoded_free(&m->dec);
	m->dec = d;
	m->have = true;
	m->gen++;
	m->state = TUI_MEDIA_READY;
	m->msg[0] = '\0';
}

/* A download ahead ended: its file decoded into the thumbnail cache. */
static void ahead_fetch_step(tui_media *m, int i)
{
	char *path = NULL;
	assay_error e = {0};
	int rc = media_fetch_job_step(m->pre_fetch[i], &path, &e);
	if (rc == 0)
		return;
	media_fetch_job_free(m->pre_fetch[i]);
	m->pre_fetch[i] = NULL;
	if (rc == 1) {
		media_request r = ahead_request(m);
		m->pre[i] = media_job_start(path, m->pre_url[i], &r, &m->thumbs, &e);
	}
	free(path);
}

int tui_media_tick(tui_media *m)
{
	int wait = 1000;
	if (m->fetch) {
		fetch_step(m);
		if (m->fetch)
			wait = ASSAY_MIN(wait, media_fetch_job_timeout_ms(m->fetch));
	}
	if (m->job) {
		decode_step(m);
		if (m->job)
			wait = ASSAY_MIN(wait, media_job_timeout_ms(m->job));
	}
	for (int i = 0; i < TUI_MEDIA_PREFETCH; i++) {
		if (m->pre_fetch[i])
			ahead_fetch_step(m, i);
		if (m->pre_fetch[i])
			wait = ASSAY_MIN(wait, media_fetch_job_timeout_ms(m->pre_fetch[i]));
		if (!m->pre[i])
			continue;
		media_decoded d;
		assay_error e = {0};
		int rc = media_job_step(m->pre[i], &d, &e);
		if (rc == 1)
			media_decoded_free(&d); /* it is in the thumbnail cache now */
		if (rc != 0) {
			media_job_free(m->pre[i]);
			m->pre[i] = NULL; /* the id stays: not decoded twice */
		} else {
			wait = ASSAY_MIN(wait, media_job_timeout_ms(m->pre[i]));
		}
	}
	return wait;
}

int tui_media_pollfds(tui_media *m, struct pollfd *fds, int cap)
{
	int n = 0;
	int fd[2 + 2 * TUI_MEDIA_PREFETCH] = {m->fetch ? media_fetch_job_fd(m->fetch) : -1,
					       m->job ? media_job_fd(m->job) : -1};
	for (int i = 0; i < TUI_MEDIA_PREFETCH; i++) {
		fd[2 + 2 * i] = m->pre[i] ? media_job_fd(m->pre[i]) : -1;
		fd[3 + 2 * i] = m->pre_fetch[i] ? media_fetch_job_fd(m->pre_fetch[i]) : -1;
	}
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(fd) && n < cap; i++)
		if (fd[i] >= 0)
			fds[n++] = (struct pollfd){.fd = fd[i], .events = POLLIN};
	return n;
}

bool tui_media_shown(const tui_media *m)
{
	return !m->off && m->state != TUI_MEDIA_NONE;
}

void tui_media_key_step(tui_media *m, int by)
{
	if (!m->have || !m->dec.info.video || !m->file) {
		tui_message(m->b, false, "%s",
			    m->have ? "a still picture: no frames to step" : "no video on screen");
		return;
	}
	if (m->total == TUI_MEDIA_STRIP) /* from the overview to finer steps */
		m->total = TUI_MEDIA_STRIP * 4, m->first = 0;
	int first = m->first + by;
	if (first < 0 || first + TUI_MEDIA_STRIP > m->total) {
		tui_message(m->b, false, "%s", by > 0 ? "the last frames" : "the first frames");
		first = first < 0 ? 0 : m->total - TUI_MEDIA_STRIP;
	}
	m->first = first;
	start_decode(m);
}
