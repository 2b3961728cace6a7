/* import_int.h — what the two threads of an import share (import.c
 * inserts, import_read.c reads and parses): the records in flight, the
 * ring between the threads, and the run they work on. */
#ifndef ASSAY_INGEST_IMPORT_INT_H
#define ASSAY_INGEST_IMPORT_INT_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "assay/ingest.h"
#include "assay/store.h"
#include "ingest_int.h"
#include "record.h"
#include "report.h"

/* One record on its way from the reader thread to the inserting one,
 * with what parsing found; everything it points to is in buf (the parse
 * tree is freed by the thread that made it). */
typedef struct slot {
	record rec;      /* raw points into buf */
	char *buf;       /* raw, then the text, the id and the context, each NUL-ended */
	size_t cap;
	int parsed;      /* ASSAY_OK, or rec_parse's refusal (why, missing) */
	int missing;
	const char *text, *id, *text_field, *context, *pair;
	size_t text_len, context_len, pair_len;
	char field[96];  /* a conversation turn's path */
	uint64_t hash;
	int text_found;  /* where the text's bytes are in the record (store_new_sample) */
	int64_t text_at;
	char why[512];
	int64_t bytes;   /* source bytes consumed up to this record */
	bool end;        /* no record: the source ended (rc, err, line) */
	int rc;
	assay_error err;
} slot;

/* The ring between the threads: at most RING_SLOTS records, and no more
 * than RING_BYTES of them (always at least one), so memory stays bounded
 * whatever the records' size. */
#define RING_SLOTS 256
#define RING_BYTES (4u << 20)

typedef struct ring {
	pthread_mutex_t mu;
	pthread_cond_t changed;
	slot v[RING_SLOTS];
	size_t head, n;  /* the oldest filled slot, and how many are filled */
	size_t bytes;    /* raw bytes held by filled slots */
	bool started;
	bool reader_waits, inserter_waits; /* who needs a signal */
	pthread_t thread;
	store_new_sample ns[RING_SLOTS]; /* the run's samples inserted together */
	size_t at[RING_SLOTS];           /* run record i's is ns[at[i]] */
} ring;

typedef struct run {
	store *s;
	const ingest_options *o;
	ingest_result *res;
	reader rdr;      /* the reader thread's, once it runs */
	src in;
	rec_options ro;
	abuf scratch;
	char first_error[768];
	rpt rpt;         /* what is shown of the refusals (inserting thread) */
	rpt_census census; /* fields of records lacking a field (reader thread) */
	int64_t context_looked, context_named; /* records whose --context fields were
						  looked for, and found (reader thread) */
	int64_t bytes;   /* source bytes behind the records taken so far */
	int64_t end_line;
	uint64_t source_hash; /* of the source as its batch records it */
	bool jsonl;      /* read as JSON Lines by --format (or the name) */
	bool second_object; /* its second line is a JSON object (sniff_second_object) */
	ring *q;
	atomic_int cancel; /* the inserting side stopped: the reader thread and a
			      read waiting for data end */
} run;

/* Starts the reader thread on r's reader, handing records over through a
 * new ring (r->q). */
int ring_start(run *r, assay_error *err);
/* Stops the reader thread (wherever it is) and frees the ring. */
void ring_stop(run *r);
/* How many records are handed over, waiting for one; 0 when *stop is raised while
 * none comes for 100 ms (a signal, the reader waiting on a silent pipe). */
size_t ring_wait(ring *q, volatile sig_atomic_t *stop);
/* Gives the oldest k slots back to the reader thread. */
void ring_release(ring *q, size_t k);

#endif
