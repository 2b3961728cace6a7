/* ingest_int.h — what the files of src/ingest/ share: byte sources, the
 * buffered reader, and the format readers that cut a source into records. */
#ifndef ASSAY_INGEST_INT_H
#define ASSAY_INGEST_INT_H

#include <stdatomic.h>

#include "assay/ingest.h"

struct net_stream;

/* A byte source: a file, stdin or an HTTP body. */
typedef struct src {
	const char *name;  /* as given, for messages */
	int fd;
	bool close_fd;
	struct net_stream *net;
	int64_t total;     /* size when known, else -1 */
	const atomic_int *cancel; /* once set, a read waiting for data ends (EINTR) */
	const volatile sig_atomic_t *stop; /* the same for a signal handler's flag */
} src;

/* net->cancel and net->stop (or NULL) also become s->cancel and s->stop;
 * opening a FIFO waits for a writer until one of them is set. */
int src_open(src *s, const char *source, const struct net_options *net, assay_error *err);
/* Reads up to cap bytes; *got == 0 means end of input. */
int src_read(src *s, char *buf, size_t cap, size_t *got, assay_error *err);
void src_close(src *s);

/* A buffered reader over a source, tracking line numbers. */
typedef struct rd {
	src *src;
	char *buf;
	size_t cap, pos, end;
	size_t max_record;  /* a record longer than this is skipped */
	bool eof;
	int64_t bytes;      /* bytes consumed from the source so far */
	int64_t line;       /* physical line number of buf[pos] (1-based) */
} rd;

int rd_init(rd *r, src *s, size_t max_record, assay_error *err);
void rd_free(rd *r);
/* Ensures at least want bytes are buffered from pos (fewer at end of
 * input); grows the buffer up to max_record + 1. */
int rd_fill(rd *r, size_t want, assay_error *err);

/* One record cut from a source. raw/len is its text (JSON) as received;
 * when error[0] is set the record is bad and raw may be partial. */
typedef struct record {
	int64_t line;
	const char *raw;
	size_t len;
	bool cut;	/* the input ended inside it (no line end after it) */
	char error[320];
} record;

/* A format reader: next() yields 1 and a record, 0 at the end, or an error
 * that ends the source (binary data, broken JSON array structure, I/O). */
typedef struct reader reader;
typedef struct reader_ops {
	int (*next)(reader *r, record *rec, assay_error *err);
	void (*free)(reader *r);
} reader_ops;

struct reader {
	const reader_ops *ops;
	rd in;
	abuf scratch;   /* the current record when it had to be assembled */
	void *state;    /* format-specific */
};

int reader_jsonl(reader *r, assay_error *err);
int reader_json(reader *r, assay_error *err);
int reader_csv(reader *r, assay_error *err);

/* Refuses data that is plainly not text (compressed, binary, NUL bytes):
 * looks at what is buffered at the start of the source. */
int sniff_binary(rd *in, const char *name, assay_error *err);

/* Whether the second non-blank line buffered at the start of the input is
 * a whole JSON object (then the file is JSON Lines whatever its first). */
bool sniff_second_object(const rd *in);
/* The first record of a JSON Lines source, refused for why: when it looks
 * like the start of another format (a JSON array, a CSV header row), the
 * sentence saying so and which --format to use; else NULL. */
const char *sniff_jsonl_mistake(const char *raw, size_t len, const char *why);

/* Skips a UTF-8 byte order mark at the start of the input. */
void skip_bom(rd *in);

/* Finds the batch this import continues, or creates it (inside the open
 * transaction); fills res->batch_id, res->batch and res->resumed. A batch
 * continued without --dedup-on sets ro->dedup (enum rec_dedup) to its own,
 * and without --pair its --pair and --pair-model. */
struct rec_options;
int ingest_pick_batch(store *s, const char *source, const char *format,
		      const ingest_options *o, struct rec_options *ro, ingest_result *res,
		      assay_error *err);
/* The source as recorded on its batch: an absolute path for a file, a URL
 * without user information. */
void ingest_source_key(const char *source, char *out, size_t cap);
/* A comma-separated list as a JSON array text ("" for NULL); caller frees. */
char *ingest_list_json(const char *list);

#endif
