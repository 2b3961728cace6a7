/* test_av.c — FFmpeg opened on first use (src/media/av.c): every function
 * found, the same table after a second call, and a loaded function that
 * works. */
#include <stdio.h>

#include "av.h"
#include "unit.h"

TEST(every_function_is_found)
{
	assay_error err = {0};
	CHECK_INT(media_av_load(&err), ASSAY_OK);
	int missing = 0;
#define MEDIA_AV_PRESENT(lib, name)                                                                \
	if (!media_av.name) {                                                                      \
		printf("#   %s not found\n", #name);                                               \
		missing++;                                                                         \
	}
	MEDIA_AV_FUNCTIONS(MEDIA_AV_PRESENT)
#undef MEDIA_AV_PRESENT
	CHECK_INT(missing, 0);
}

TEST(a_second_load_keeps_the_same_functions)
{
	assay_error err = {0};
	CHECK_INT(media_av_load(&err), ASSAY_OK);
	__typeof__(media_av.avformat_open_input) open_input = media_av.avformat_open_input;
	CHECK_INT(media_av_load(&err), ASSAY_OK);
	CHECK(open_input == media_av.avformat_open_input);
}

TEST(a_loaded_function_works)
{
	assay_error err = {0};
	CHECK_INT(media_av_load(&err), ASSAY_OK);
	CHECK(media_av.avcodec_find_decoder(AV_CODEC_ID_PNG) != NULL);
	CHECK(media_av.avcodec_find_decoder((enum AVCodecID)-12345) == NULL);
}

UNIT_MAIN(UNIT_CASE(every_function_is_found), UNIT_CASE(a_second_load_keeps_the_same_functions),
	  UNIT_CASE(a_loaded_function_works))
