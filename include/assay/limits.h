/* limits.h — the documented limits on what assay reads and keeps, in one
 * place: a longer value is refused with a message naming the limit, never
 * stored whole past it and never silently shortened. */
#ifndef ASSAY_LIMITS_H
#define ASSAY_LIMITS_H

/* An imported record (import's default --max-line), in bytes. */
#define ASSAY_RECORD_MAX (16u << 20)
/* Deepest JSON nesting read from any input (records, decisions, answers). */
#define ASSAY_JSON_DEPTH 128
/* An external sample id, in bytes. */
#define ASSAY_ID_MAX 512u
/* An annotator's name, in bytes. */
#define ASSAY_ANNOTATOR_MAX 200u
/* A batch name given to decide, in bytes. */
#define ASSAY_BATCH_MAX 255u
/* A rejection reason, in bytes. */
#define ASSAY_REASON_MAX 1024u
/* A note on a sample, in bytes. */
#define ASSAY_NOTE_MAX (64u << 10)
/* An edit's corrected text, in bytes: as long as an imported record may be. */
#define ASSAY_EDIT_MAX ASSAY_RECORD_MAX
/* One line of decide --from, in bytes (room for an edit written with
 * escapes). */
#define ASSAY_DECISION_LINE_MAX (64u << 20)

#endif
