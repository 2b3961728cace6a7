/* av.h — FFmpeg's functions as the media layer calls them: pointers filled
 * by media_av_load from the libraries opened at first use (dlopen), so
 * that commands which never decode a picture (every one but the review
 * screen with media, and report thumbnails) do not pay for loading them:
 * FFmpeg and the ~130 libraries it depends on cost ~28 ms of CPU at every
 * process start when linked, more than a whole `assay info`.
 *
 * decode.c and wire.c include av_calls.h, which makes each name below
 * call through its pointer; nothing else needs to. */
#ifndef ASSAY_MEDIA_AV_H
#define ASSAY_MEDIA_AV_H

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/sha.h>
#include <libswscale/swscale.h>

#include "assay/common.h"

/* X(library, function) for every FFmpeg function the media layer calls;
 * library is the index into the table of libraries in av.c. */
#define MEDIA_AV_FUNCTIONS(X)                                                                      \
	X(0, av_calloc) X(0, av_dict_free) X(0, av_dict_set) X(0, av_dict_set_int)                 \
	X(0, av_frame_alloc) X(0, av_frame_free) X(0, av_frame_move_ref) X(0, av_frame_unref)      \
	X(0, av_free) X(0, av_freep) X(0, av_log_set_callback) X(0, av_malloc) X(0, av_rescale)    \
	X(0, av_rescale_q) X(0, av_sha_alloc) X(0, av_sha_final) X(0, av_sha_init)                  \
	X(0, av_sha_update) X(0, av_strerror)                                                       \
	X(1, av_packet_alloc) X(1, av_packet_free) X(1, av_packet_unref)                            \
	X(1, avcodec_alloc_context3) X(1, avcodec_default_get_buffer2) X(1, avcodec_find_decoder)  \
	X(1, avcodec_flush_buffers) X(1, avcodec_free_context) X(1, avcodec_get_name)              \
	X(1, avcodec_open2) X(1, avcodec_parameters_to_context) X(1, avcodec_receive_frame)        \
	X(1, avcodec_send_packet)                                                                   \
	X(2, av_find_best_stream) X(2, av_read_frame) X(2, av_seek_frame)                          \
	X(2, avformat_alloc_context) X(2, avformat_close_input) X(2, avformat_find_stream_info)    \
	X(2, avformat_index_get_entry_from_timestamp) X(2, avformat_open_input)                    \
	X(2, avio_alloc_context) X(2, avio_context_free)                                            \
	X(3, sws_freeContext) X(3, sws_getCachedContext) X(3, sws_scale)

#define MEDIA_AV_FIELD(lib, name) __typeof__(&name) name;
struct media_av_functions {
	MEDIA_AV_FUNCTIONS(MEDIA_AV_FIELD)
};
#undef MEDIA_AV_FIELD

extern struct media_av_functions media_av;

/* Opens the libraries and fills media_av, once per process (later calls
 * return at once); a child forked after it inherits them. ASSAY_EIO, with
 * the loader's message, when a library or a function is missing. */
int media_av_load(assay_error *err);

#endif
