/* stats_out.h — how `assay stats` shows its figures: a table fitted to the
 * terminal, JSON, or CSV with one column per figure. */
#ifndef ASSAY_CLI_STATS_OUT_H
#define ASSAY_CLI_STATS_OUT_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "assay/audit_stats.h"

typedef struct stats_out {
	int format;   /* 't' table, 'j' JSON, 'c' CSV */
	int width;    /* the terminal's width to fit, 0 for every column */
	bool raw;     /* --csv-raw */
	cJSON *root;  /* the JSON document being built */
	bool pairs;   /* --pairs: the pairs' figures instead of the groups */
} stats_out;

void stats_print_groups(const audit_stats *st, const audit_stats_opts *o, const stats_out *out);
void stats_print_agreement(const audit_agreement_report *r, const stats_out *out);
void stats_print_calibration(const audit_calibration *c, const stats_out *out);

#endif
