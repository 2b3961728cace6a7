/* report.h — what an import shows of the records it refuses: the first few
 * of each kind as they come and a count of the rest, or, when every record
 * is refused the same way, one example and one summary (naming the fields
 * the records do have when the text or id field is missing). */
#ifndef ASSAY_INGEST_REPORT_H
#define ASSAY_INGEST_REPORT_H

#include "assay/ingest.h"

struct cJSON;

#define RPT_SHOWN 5	  /* refusals shown per kind */
#define RPT_KINDS 32	  /* kinds told apart; later ones share one count */
#define RPT_FIELDS 16	  /* top-level field names kept */
#define RPT_CENSUS 1000	  /* records whose fields are counted */

/* Which named field a record lacked (rec_fields.missing). */
enum rpt_missing { RPT_NONE, RPT_NO_TEXT, RPT_NO_ID };

/* The top-level fields of the records that lacked the text or id field.
 * Filled by the thread that parses records; read once it has ended. */
typedef struct rpt_census {
	struct {
		char name[80];
		bool cut;			  /* longer than name holds */
		int64_t present, strings, ints, words; /* values: strings, integers;
							  words of the strings */
	} f[RPT_FIELDS];
	size_t n;
	bool more;	 /* more names than f holds */
	int64_t records; /* records counted */
} rpt_census;

typedef struct rpt_kind {
	uint64_t key; /* the reason with its figures and quoted values left out */
	int64_t count, first_line;
} rpt_kind;

/* The refusals of one source, seen by the inserting thread. */
typedef struct rpt {
	const ingest_options *o;
	const char *source;
	rpt_kind kinds[RPT_KINDS + 1]; /* the last one: every other kind */
	size_t n_kinds;
	int64_t records;  /* records seen, refused or not */
	bool uniform;	  /* every record so far refused, all the same way */
	int missing;	  /* enum rpt_missing of the first refusal */
	struct {
		int64_t line;
		char why[512];
	} held[RPT_SHOWN - 1]; /* shown once the refusals turn out not uniform */
	size_t n_held;
} rpt;

void rpt_init(rpt *p, const ingest_options *o, const char *source);
/* Counts the fields of a record (an object) that lacked a named field. */
void rpt_census_add(rpt_census *c, const struct cJSON *record);
/* A refused record: shown, held or counted. */
void rpt_refused(rpt *p, int64_t line, const char *why, int missing);
/* A record taken (imported, duplicate or present). */
void rpt_accepted(rpt *p);
/* A whole message that ends the source (broken structure). */
void rpt_message(rpt *p, const char *msg);
/* The summary lines, at the end of the source. */
void rpt_finish(rpt *p, const rpt_census *c);

#endif
