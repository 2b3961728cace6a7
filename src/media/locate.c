/* locate.c — which field of a record names its media, and what that value
 * is: a local path (made absolute against the media root or the source's
 * directory), an http(s) URL, or a scheme mapped by --media-map or shown
 * as not reachable. Pure: no file system, no network. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "assay/media.h"

#define MAX_DEPTH 8

/* A non-empty string value of obj, or NULL. */
static const char *string_of(const cJSON *item)
{
	return cJSON_IsString(item) && item->valuestring[0] ? item->valuestring : NULL;
}

/* The value at a dotted path (a.b.c) of obj, case-sensitive. */
static const char *at_path(const cJSON *obj, const char *path, size_t len)
{
	char key[256];
	size_t start = 0;
	while (obj && start <= len) {
		size_t end = start;
		while (end < len && path[end] != '.')
			end++;
		if (end - start == 0 || end - start >= sizeof key)
			return NULL;
		memcpy(key, path + start, end - start);
		key[end - start] = '\0';
		obj = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
		if (end == len)
			return string_of(obj);
		start = end + 1;
	}
	return NULL;
}

/* Searches the names of MEDIA_DEFAULT_FIELDS in the objects exactly depth
 * levels below obj (document order), each name in list order at one
 * object. Writes the found field's path to field. */
static const char *default_at_depth(const cJSON *obj, int depth, char *field, size_t cap)
{
	if (!cJSON_IsObject(obj))
		return NULL;
	if (depth == 0) {
		const char *names = MEDIA_DEFAULT_FIELDS;
		while (*names) {
			size_t n = strcspn(names, ",");
			char key[32];
			snprintf(key, sizeof key, "%.*s", (int)n, names);
			const char *v = string_of(cJSON_GetObjectItemCaseSensitive(obj, key));
			if (v) {
				snprintf(field, cap, "%s", key);
				return v;
			}
			names += n + (names[n] == ',');
		}
		return NULL;
	}
	for (const cJSON *c = obj->child; c; c = c->next) {
		char sub[256];
		const char *v = default_at_depth(c, depth - 1, sub, sizeof sub);
		if (v && c->string) {
			if (snprintf(field, cap, "%s.%s", c->string, sub) >= (int)cap)
				continue;
			return v;
		}
	}
	return NULL;
}

/* The media value of rec and the path it came from, or NULL. */
static const char *find_value(const cJSON *rec, const char *fields, char *field, size_t cap)
{
	if (fields && fields[0]) {
		const char *p = fields;
		while (*p) {
			size_t n = strcspn(p, ",");
			const char *v = at_path(rec, p, n);
			if (v) {
				snprintf(field, cap, "%.*s", (int)n, p);
				return v;
			}
			p += n + (p[n] == ',');
		}
		return NULL;
	}
	for (int depth = 0; depth < MAX_DEPTH; depth++) {
		const char *v = default_at_depth(rec, depth, field, cap);
		if (v)
			return v;
	}
	return NULL;
}

/* Length of v's "scheme://" prefix, 0 when it has none. */
static size_t scheme_len(const char *v)
{
	size_t i = 0;
	if (!((v[0] >= 'a' && v[0] <= 'z') || (v[0] >= 'A' && v[0] <= 'Z')))
		return 0;
	while (v[i] && (strchr("+-.", v[i]) || (v[i] >= '0' && v[i] <= '9') ||
			(v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z')))
		i++;
	return strncmp(v + i, "://", 3) == 0 ? i + 3 : 0;
}

static bool is_http(const char *v)
{
	return strncasecmp(v, "http://", 7) == 0 || strncasecmp(v, "https://", 8) == 0;
}

/* v with the longest matching map prefix replaced; NULL when none matches
 * (or ENOMEM, told apart by *nomem). */
static char *apply_maps(const char *v, const media_locate_options *opt, bool *nomem)
{
	const media_map *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; opt && i < opt->n_maps; i++) {
		size_t n = strlen(opt->maps[i].prefix);
		if (n > best_len && strncmp(v, opt->maps[i].prefix, n) == 0) {
			best = &opt->maps[i];
			best_len = n;
		}
	}
	if (!best)
		return NULL;
	abuf b = {0};
	if (abuf_puts(&b, best->url_prefix) < 0 || abuf_puts(&b, v + best_len) < 0) {
		abuf_free(&b);
		*nomem = true;
		return NULL;
	}
	return abuf_take(&b);
}

/* A local path, absolute or joined to the media root / the source's
 * directory. Allocated. */
static char *resolve_path(const char *v, const media_locate_options *opt, bool *joined)
{
	if (strncmp(v, "file://", 7) == 0)
		v += 7;
	const char *dir = opt && opt->media_root && opt->media_root[0] ? opt->media_root
			  : opt && opt->base_dir && opt->base_dir[0]   ? opt->base_dir
								       : NULL;
	abuf b = {0};
	int rc = 0;
	if (v[0] != '/' && dir) {
		*joined = true;
		rc = abuf_puts(&b, dir);
		if (rc == 0 && b.len && b.data[b.len - 1] != '/')
			rc = abuf_putc(&b, '/');
		while (rc == 0 && strncmp(v, "./", 2) == 0)
			v += 2;
	}
	if (rc == 0)
		rc = abuf_puts(&b, v);
	if (rc < 0) {
		abuf_free(&b);
		return NULL;
	}
	return abuf_take(&b);
}

/* Sorts a value into out: URL, file or unreachable. */
static int classify(const char *v, const media_locate_options *opt, media_ref *out,
		    assay_error *err)
{
	bool nomem = false;
	char *mapped = apply_maps(v, opt, &nomem);
	if (nomem)
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	const char *use = mapped ? mapped : v;
	if (is_http(use)) {
		out->kind = MEDIA_URL;
		out->where = mapped ? mapped : assay_strdup(v);
		return out->where ? ASSAY_OK : assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	if (scheme_len(use) && strncmp(use, "file://", 7) != 0) {
		out->kind = MEDIA_UNREACHABLE;
		snprintf(out->message, sizeof out->message, "not reachable: %s", v);
		free(mapped);
		out->where = assay_strdup(v);
		return out->where ? ASSAY_OK : assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	out->kind = MEDIA_FILE;
	out->where = resolve_path(use, opt, &out->relative);
	free(mapped);
	return out->where ? ASSAY_OK : assay_fail(err, ASSAY_ENOMEM, "out of memory");
}

int media_locate(const char *record_json, const media_locate_options *opt, media_ref *out,
		 assay_error *err)
{
	memset(out, 0, sizeof *out);
	cJSON *rec = cJSON_Parse(record_json ? record_json : "");
	if (!cJSON_IsObject(rec)) {
		cJSON_Delete(rec);
		return assay_fail(err, ASSAY_EFORMAT, "the record is not a JSON object");
	}
	const char *v = find_value(rec, opt ? opt->fields : NULL, out->field, sizeof out->field);
	int rc = ASSAY_OK;
	if (!v) {
		out->kind = MEDIA_NONE;
		snprintf(out->message, sizeof out->message, "no media field (%s)",
			 opt && opt->fields && opt->fields[0] ? opt->fields : MEDIA_DEFAULT_FIELDS);
	} else {
		rc = classify(v, opt, out, err);
	}
	cJSON_Delete(rec);
	return rc;
}

void media_ref_free(media_ref *ref)
{
	if (!ref)
		return;
	free(ref->where);
	ref->where = NULL;
}

int media_parse_map(char *spec, media_map *out, assay_error *err)
{
	char *eq = spec ? strchr(spec, '=') : NULL;
	if (!eq || eq == spec || !eq[1])
		return assay_fail(
		    err, ASSAY_EINVAL,
		    "--media-map '%s': expected PREFIX=URL_PREFIX (s3://bucket/=https://host/)",
		    spec ? spec : "");
	*eq = '\0';
	out->prefix = spec;
	out->url_prefix = eq + 1;
	return ASSAY_OK;
}
