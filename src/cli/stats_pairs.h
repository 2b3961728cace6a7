/* stats_pairs.h — `assay stats --pairs`: the pairs' figures as text or
 * into the JSON document being built. */
#ifndef ASSAY_CLI_STATS_PAIRS_H
#define ASSAY_CLI_STATS_PAIRS_H

#include <cjson/cJSON.h>

#include "assay/audit_pairs.h"

/* root NULL: as text on stdout; else under "pairs" of root. */
void stats_print_pairs(const audit_pairs_report *r, cJSON *root);

#endif
