/* test_resolve.c — media_resolve: a batch's settings applied to a record,
 * local files resolved through their links and, when named relative,
 * kept inside the media root. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assay/media.h"
#include "fixtures.h"
#include "unit.h"

static media_ref last;

static media_kind res(const char *rec, const media_source *src)
{
	assay_error err = {0};
	media_ref_free(&last);
	int rc = media_resolve(rec, src, &last, &err);
	if (rc != ASSAY_OK) {
		printf("# %s\n", err.msg);
		return (media_kind)-1;
	}
	if (last.kind == MEDIA_UNREACHABLE)
		printf("# %s\n", last.message);
	return last.kind;
}

static void setup(char *root, char *outside)
{
	snprintf(root, PATH_MAX, "%s", fx_path("root"));
	snprintf(outside, PATH_MAX, "%s", fx_path("outside"));
	mkdir(root, 0700);
	mkdir(outside, 0700);
	fx_write("root/a.png", "x", 1);
	fx_write("outside/secret.png", "x", 1);
	mkdir(fx_path("root/sub"), 0700);
	symlink("../a.png", fx_path("root/sub/in.png"));
	symlink(fx_path("outside/secret.png"), fx_path("root/out.png"));
	symlink("loop2.png", fx_path("root/loop1.png"));
	symlink("loop1.png", fx_path("root/loop2.png"));
}

TEST(relative_paths_stay_inside_the_media_root)
{
	char root[PATH_MAX], outside[PATH_MAX], want[PATH_MAX];
	setup(root, outside);
	media_source src = {.root = root};
	CHECK_INT(res("{\"image\":\"a.png\"}", &src), MEDIA_FILE);
	CHECK(realpath(fx_path("root/a.png"), want) != NULL);
	CHECK_STR(last.where, want);
	/* a link inside the root to a file inside it is followed */
	CHECK_INT(res("{\"image\":\"sub/in.png\"}", &src), MEDIA_FILE);
	CHECK_STR(last.where, want);
	/* out by .., by a link, by a loop, or missing */
	CHECK_INT(res("{\"image\":\"../outside/secret.png\"}", &src), MEDIA_UNREACHABLE);
	CHECK_STR(last.message, "cannot show secret.png: outside the media root");
	CHECK_STR(last.where, fx_path("root/../outside/secret.png"));
	CHECK_INT(res("{\"image\":\"out.png\"}", &src), MEDIA_UNREACHABLE);
	CHECK_STR(last.message, "cannot show out.png: outside the media root");
	CHECK_INT(res("{\"image\":\"loop1.png\"}", &src), MEDIA_UNREACHABLE);
	CHECK_STR(last.message, "cannot show loop1.png: a loop of symbolic links");
	CHECK_INT(res("{\"image\":\"none.png\"}", &src), MEDIA_UNREACHABLE);
	CHECK_STR(last.message, "cannot show none.png: no such file");
	/* an absolute path is the data set's own choice: followed, not confined */
	char rec[PATH_MAX + 32];
	snprintf(rec, sizeof rec, "{\"image\":\"%s/secret.png\"}", outside);
	CHECK_INT(res(rec, &src), MEDIA_FILE);
}

TEST(the_source_directory_serves_when_no_root_is_set_and_maps_apply)
{
	char root[PATH_MAX], outside[PATH_MAX];
	setup(root, outside);
	media_source src = {.base_dir = root, .fields = "meta.uri"};
	CHECK_INT(res("{\"image\":\"x.png\",\"meta\":{\"uri\":\"a.png\"}}", &src), MEDIA_FILE);
	CHECK_STR(last.field, "meta.uri");
	src = (media_source){.maps_json = "[\"s3://b/=https://h.example/p/\",\"bad\"]"};
	CHECK_INT(res("{\"video\":\"s3://b/v.mp4\"}", &src), MEDIA_URL);
	CHECK_STR(last.where, "https://h.example/p/v.mp4");
	CHECK_INT(res("{\"video\":\"gs://c/v.mp4\"}", &src), MEDIA_UNREACHABLE);
	CHECK_STR(last.message, "not reachable: gs://c/v.mp4");
	/* relative with nowhere to resolve it */
	CHECK_INT(res("{\"image\":\"a.png\"}", &src), MEDIA_UNREACHABLE);
	CHECK_CONTAINS(last.message, "cannot show a.png: a relative path, and no media root");
	media_ref_free(&last);
}

UNIT_MAIN(UNIT_CASE(relative_paths_stay_inside_the_media_root),
	  UNIT_CASE(the_source_directory_serves_when_no_root_is_set_and_maps_apply))
