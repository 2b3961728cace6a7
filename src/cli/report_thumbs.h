/* report_thumbs.h — the HTML report's thumbnails (audit_report_opts.thumb). */
#ifndef ASSAY_CLI_REPORT_THUMBS_H
#define ASSAY_CLI_REPORT_THUMBS_H

#include "assay/store.h"

typedef struct report_thumbs {
	store *s;
	bool fetch; /* download http(s) media not in the cache (else only the
		       downloads the review screen made are shown) */
	size_t n, bytes; /* embedded so far: at most 60, 1 MiB of data: URIs */
} report_thumbs;

void cli_report_thumb(void *ud, int64_t sample_id, abuf *out);

#endif
