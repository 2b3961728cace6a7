/* resolve.c — a sample's media by its batch's settings, checked on the
 * file system: a local path is resolved through its symbolic links, and
 * one the record gave relative must stay inside the media root (a record
 * is untrusted: "../../home/you/.ssh/id_ed25519" is not a picture of it). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "media_int.h"

#define MAX_MAPS 32

/* The stored rules into maps (pointing into the strings of *tree). */
static size_t parse_maps(const char *json, cJSON **tree, media_map *maps, char **copies)
{
	size_t n = 0;
	*tree = json && json[0] ? cJSON_Parse(json) : NULL;
	for (cJSON *m = cJSON_IsArray(*tree) ? (*tree)->child : NULL; m && n < MAX_MAPS;
	     m = m->next) {
		if (!cJSON_IsString(m) || !(copies[n] = assay_strdup(m->valuestring)))
			continue;
		if (media_parse_map(copies[n], &maps[n], NULL) == ASSAY_OK)
			n++;
		else
			free(copies[n]);
	}
	return n;
}

static void refuse(media_ref *out, const char *why)
{
	out->kind = MEDIA_UNREACHABLE;
	snprintf(out->message, sizeof out->message, "cannot show %s: %s",
		 media_display_name(out->where), why);
}

/* The real path of a file, confined to the root when it came relative. */
static int check_file(media_ref *out, const char *root)
{
	char real[PATH_MAX], real_root[PATH_MAX];
	if (out->where[0] != '/') {
		refuse(out, "a relative path, and no media root (assay batch set-media-root)");
		return ASSAY_OK;
	}
	if (!realpath(out->where, real)) {
		refuse(out, errno == ELOOP    ? "a loop of symbolic links"
			    : errno == ENOENT ? "no such file"
					      : strerror(errno));
		return ASSAY_OK;
	}
	if (out->relative) {
		if (!realpath(root, real_root)) {
			refuse(out, "the media root is missing (assay batch set-media-root)");
			return ASSAY_OK;
		}
		size_t n = strlen(real_root);
		if (strcmp(real_root, "/") != 0 &&
		    (strncmp(real, real_root, n) != 0 || real[n] != '/')) {
			refuse(out, "outside the media root");
			return ASSAY_OK;
		}
		snprintf(out->root, sizeof out->root, "%s", real_root);
	}
	char *r = assay_strdup(real);
	if (!r)
		return ASSAY_ENOMEM;
	free(out->where);
	out->where = r;
	return ASSAY_OK;
}

int media_resolve(const char *record_json, const media_source *src, media_ref *out,
		  assay_error *err)
{
	media_map maps[MAX_MAPS];
	char *copies[MAX_MAPS];
	cJSON *tree = NULL;
	size_t n = parse_maps(src ? src->maps_json : NULL, &tree, maps, copies);
	const char *root = src && src->root && src->root[0] ? src->root
			   : src && src->base_dir && src->base_dir[0] ? src->base_dir
								      : NULL;
	media_locate_options lo = {.fields = src ? src->fields : NULL,
				   .media_root = root,
				   .maps = maps,
				   .n_maps = n};
	int rc = media_locate(record_json, &lo, out, err);
	if (rc == ASSAY_OK && out->kind == MEDIA_FILE)
		rc = check_file(out, root);
	if (rc == ASSAY_ENOMEM)
		assay_fail(err, rc, "out of memory");
	for (size_t i = 0; i < n; i++)
		free(copies[i]);
	cJSON_Delete(tree);
	return rc;
}
