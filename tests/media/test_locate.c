/* test_locate.c — media_locate: which field names the media, and whether
 * its value is a file (resolved against the media root or the source's
 * directory), an http(s) URL, a mapped scheme or unreachable. */
#include <stdlib.h>
#include <string.h>

#include "assay/media.h"
#include "unit.h"

/* Locates rec with opt into last; returns the kind (-1 on error). */
static media_ref last;

static media_kind loc(const char *rec, const media_locate_options *opt)
{
	assay_error err = {0};
	media_ref_free(&last);
	int rc = media_locate(rec, opt, &last, &err);
	if (rc != ASSAY_OK) {
		printf("# %s\n", err.msg);
		return (media_kind)-1;
	}
	return last.kind;
}

TEST(default_fields_in_order)
{
	CHECK_INT(loc("{\"caption\":\"x\",\"img\":\"b.png\",\"image\":\"a.png\"}", NULL),
		  MEDIA_FILE);
	CHECK_STR(last.field, "image");
	CHECK_STR(last.where, "a.png");
	CHECK_INT(loc("{\"path\":\"p.png\",\"video_url\":\"https://h/v.mp4\"}", NULL), MEDIA_URL);
	CHECK_STR(last.field, "video_url");
	CHECK_STR(last.where, "https://h/v.mp4");
	/* empty strings and non-strings do not count */
	CHECK_INT(loc("{\"image\":\"\",\"img\":3,\"file\":\"f.jpg\"}", NULL), MEDIA_FILE);
	CHECK_STR(last.field, "file");
}

TEST(nested_paths_end_in_a_listed_name)
{
	/* a top-level name beats a nested one; the shallowest nested one wins */
	CHECK_INT(loc("{\"meta\":{\"source\":{\"image_url\":\"https://x/deep.jpg\"}},"
		      "\"extra\":{\"video\":\"v.mp4\"}}",
		      NULL),
		  MEDIA_FILE);
	CHECK_STR(last.field, "extra.video");
	CHECK_STR(last.where, "v.mp4");
	CHECK_INT(loc("{\"meta\":{\"source\":{\"image_url\":\"https://x/deep.jpg\"}}}", NULL),
		  MEDIA_URL);
	CHECK_STR(last.field, "meta.source.image_url");
	/* "uri" is not a listed name: meta.source.uri needs --media */
	CHECK_INT(loc("{\"meta\":{\"source\":{\"uri\":\"s3://b/k.jpg\"}}}", NULL), MEDIA_NONE);
	CHECK_CONTAINS(last.message, "no media field");
	/* arrays are not searched */
	CHECK_INT(loc("{\"items\":[{\"image\":\"a.png\"}]}", NULL), MEDIA_NONE);
}

TEST(explicit_fields_first_present_wins)
{
	media_locate_options o = {.fields = "meta.source.uri,thumb"};
	CHECK_INT(loc("{\"image\":\"a.png\",\"thumb\":\"t.png\"}", &o), MEDIA_FILE);
	CHECK_STR(last.field, "thumb");
	CHECK_INT(loc("{\"thumb\":\"t.png\",\"meta\":{\"source\":{\"uri\":\"/abs/u.png\"}}}", &o),
		  MEDIA_FILE);
	CHECK_STR(last.field, "meta.source.uri");
	CHECK_STR(last.where, "/abs/u.png");
	/* the default names are not looked at when fields are given */
	CHECK_INT(loc("{\"image\":\"a.png\"}", &o), MEDIA_NONE);
	CHECK_CONTAINS(last.message, "meta.source.uri,thumb");
	/* malformed paths find nothing rather than something else */
	media_locate_options bad = {.fields = "meta..uri,.x,y."};
	CHECK_INT(loc("{\"meta\":{\"uri\":\"a\"},\"x\":\"b\",\"y\":\"c\"}", &bad), MEDIA_NONE);
}

TEST(relative_paths_resolve_against_root_then_source_dir)
{
	media_locate_options o = {.base_dir = "/data/batch"};
	loc("{\"image\":\"imgs/a.png\"}", &o);
	CHECK_STR(last.where, "/data/batch/imgs/a.png");
	loc("{\"image\":\"./a.png\"}", &o);
	CHECK_STR(last.where, "/data/batch/a.png");
	o.media_root = "/mnt/media/";
	loc("{\"image\":\"imgs/a.png\"}", &o);
	CHECK_STR(last.where, "/mnt/media/imgs/a.png");
	loc("{\"image\":\"/abs/a.png\"}", &o);
	CHECK_STR(last.where, "/abs/a.png");
	loc("{\"image\":\"file:///abs/b.png\"}", &o);
	CHECK_STR(last.where, "/abs/b.png");
	loc("{\"image\":\"rel.png\"}", NULL);
	CHECK_STR(last.where, "rel.png");
}

TEST(schemes_mapped_or_unreachable_in_full)
{
	const char *uri = "s3://media-archive/images/construction-site/2024-01/29dcb79f3c.jpg";
	char rec[512];
	snprintf(rec, sizeof rec, "{\"image\":\"%s\"}", uri);
	CHECK_INT(loc(rec, NULL), MEDIA_UNREACHABLE);
	char want[256];
	snprintf(want, sizeof want, "not reachable: %s", uri);
	CHECK_STR(last.message, want);
	CHECK_STR(last.where, uri);
	/* a URI longer than the message keeps every byte in where */
	char big[3000] = "gs://bucket/";
	memset(big + 12, 'k', 2900);
	big[2912] = '\0';
	char bigrec[3100];
	snprintf(bigrec, sizeof bigrec, "{\"video\":\"%s\"}", big);
	CHECK_INT(loc(bigrec, NULL), MEDIA_UNREACHABLE);
	CHECK_STR(last.where, big);
	CHECK(strncmp(last.message, "not reachable: gs://bucket/kkk", 30) == 0);

	char s1[] = "s3://media-archive/=https://cdn.example.com/archive/";
	char s2[] = "s3://media-archive/images/=http://img.example.com/";
	char s3[] = "gs://b/=/mnt/gs/";
	media_map maps[3];
	assay_error err = {0};
	CHECK_INT(media_parse_map(s1, &maps[0], &err), ASSAY_OK);
	CHECK_INT(media_parse_map(s2, &maps[1], &err), ASSAY_OK);
	CHECK_INT(media_parse_map(s3, &maps[2], &err), ASSAY_OK);
	media_locate_options o = {.maps = maps, .n_maps = 3};
	/* the longest prefix wins */
	CHECK_INT(loc(rec, &o), MEDIA_URL);
	CHECK_STR(last.where, "http://img.example.com/construction-site/2024-01/29dcb79f3c.jpg");
	CHECK_INT(loc("{\"image\":\"s3://media-archive/v/1.mp4\"}", &o), MEDIA_URL);
	CHECK_STR(last.where, "https://cdn.example.com/archive/v/1.mp4");
	/* a scheme mapped to a local directory is a file */
	CHECK_INT(loc("{\"image\":\"gs://b/x.png\"}", &o), MEDIA_FILE);
	CHECK_STR(last.where, "/mnt/gs/x.png");
	/* an unmapped bucket stays unreachable */
	CHECK_INT(loc("{\"image\":\"s3://other/x.png\"}", &o), MEDIA_UNREACHABLE);
	CHECK_STR(last.message, "not reachable: s3://other/x.png");
}

TEST(bad_input_and_bad_maps)
{
	assay_error err = {0};
	media_ref r;
	CHECK_INT(media_locate("[1,2]", NULL, &r, &err), ASSAY_EFORMAT);
	CHECK_INT(media_locate("{\"image\":", NULL, &r, &err), ASSAY_EFORMAT);
	CHECK_INT(media_locate(NULL, NULL, &r, &err), ASSAY_EFORMAT);
	media_map m;
	char a[] = "noequals", b[] = "=https://x/", c[] = "s3://x/=";
	CHECK_INT(media_parse_map(a, &m, &err), ASSAY_EINVAL);
	CHECK_CONTAINS(err.msg, "PREFIX=URL_PREFIX");
	CHECK_INT(media_parse_map(b, &m, &err), ASSAY_EINVAL);
	CHECK_INT(media_parse_map(c, &m, &err), ASSAY_EINVAL);
	media_ref_free(&last);
}

UNIT_MAIN(UNIT_CASE(default_fields_in_order), UNIT_CASE(nested_paths_end_in_a_listed_name),
	  UNIT_CASE(explicit_fields_first_present_wins),
	  UNIT_CASE(relative_paths_resolve_against_root_then_source_dir),
	  UNIT_CASE(schemes_mapped_or_unreachable_in_full), UNIT_CASE(bad_input_and_bad_maps))
