/* score.h — automatic quality scores: the scorer table, the built-in rule
 * scorers (pure functions over a text), near-duplicate detection (MinHash
 * and LSH), the remote scorers (LLM judge, classifier endpoint), the
 * combined score, and runs that score the samples of a store. */
#ifndef ASSAY_SCORE_H
#define ASSAY_SCORE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assay/common.h"
#include "assay/net.h"
#include "assay/store.h"

/* ---- Scorers ------------------------------------------------------------ */

/* Every scorer, in table order. */
enum score_id {
	SCORE_LENGTH,
	SCORE_GOPHER,
	SCORE_REPETITION,
	SCORE_ARTIFACTS,
	SCORE_TRUNCATION,
	SCORE_CHARSET,
	SCORE_HEDGING,
	SCORE_NEARDUP,
	SCORE_FIELD,
	SCORE_LLM_JUDGE,
	SCORE_CLASSIFIER,
	SCORE_TASK,
	SCORE_LEARNED,
	SCORE_COUNT
};

enum score_kind {
	SCORE_KIND_TEXT,   /* a pure rule over one text (and its record) */
	SCORE_KIND_CORPUS, /* needs every sample of the database (neardup) */
	SCORE_KIND_REMOTE, /* asks an HTTP endpoint */
	SCORE_KIND_MODEL,  /* the stored verdict model (`assay learn`); after the others */
};

#define SCORE_REASON_MAX 200
#define SCORE_DETAIL_MAX 160

/* What a scorer says about one sample. */
typedef struct score_result {
	double value;		       /* in [0,1], 1 = clean; NAN when it could not score */
	bool flagged;		       /* value < threshold */
	char reason[SCORE_REASON_MAX]; /* "repetition: 38% of characters in duplicate 5-grams" */
	char detail[SCORE_DETAIL_MAX]; /* a JSON object with the figures, or "" */
} score_result;

/* A remote scorer's endpoint and manners. Strings are owned by the config. */
typedef struct score_remote {
	char *endpoint;	      /* llm-judge: .../v1/chat/completions; classifier: .../predict */
	char *model;	      /* llm-judge: the model name sent */
	char *prompt;	      /* llm-judge: the rubric template ({{text}}, {{meta.FIELD}});
				 NULL: the built-in rubric */
	char *label;	      /* classifier: the label whose score is the value */
	bool label_bad;	      /* classifier: value = 1 - score of label */
	bool pairs;	      /* classifier: send (context, text) pairs for samples with a
				 context ({"inputs": [[CONTEXT, TEXT]]}) */
	bool response_format; /* llm-judge: ask for a JSON object (dropped when refused) */
	int concurrency;      /* requests in flight; default 8 */
	net_options net;      /* timeouts, retries, caps, TLS; net.bearer is the API key
				 and never enters the configuration hash or any message */
} score_remote;

/* Thresholds, weights and the parameters of the rules. score_config_init
 * sets the documented defaults; score_config_set changes one key. */
typedef struct score_config {
	double threshold[SCORE_COUNT]; /* flagged when value < threshold */
	double weight[SCORE_COUNT];    /* exponents of the combined score; 0 leaves one out */
	int min_words, max_words;      /* length */
	int min_chars, max_chars;      /* length (code points) */
	bool markdown_ok;	       /* artifacts: Markdown is normal (instruction data) */
	uint32_t scripts;	       /* charset: expected scripts (SCORE_SCRIPT_*), 0: any */
	double jaccard;		       /* neardup: similarity at which samples cluster */
	char *field;		       /* field: the record field (dotted path) */
	double field_min, field_max;   /* field: the range mapped to [0,1] */
	bool field_range;	       /* field: min and max were given; else the data's */
	score_remote judge, classifier;
	int learned_min_verdicts;      /* learned: the model joins the combined score once
					  trained on this many verdicts (default 200) */
	int64_t learned_model;	       /* learned: the model version in use (set by a run) */
} score_config;

void score_config_init(score_config *c);
void score_config_free(score_config *c);
/* Sets one configuration key from a config file or flag:
 *   section "weights", key NAME        -> the weight of scorer NAME
 *   section "score.NAME", key threshold / weight, or one of the keys of
 *     NAME's row (score_defs[].keys: length: min_words max_words min_chars
 *     max_chars; artifacts: markdown; charset: scripts; neardup: jaccard;
 *     field: name min max; llm-judge: endpoint model prompt_file
 *     concurrency timeout connect_timeout retries response_format insecure;
 *     classifier: endpoint label label_bad pairs concurrency timeout
 *     connect_timeout retries insecure; learned: min_verdicts)
 * A prompt_file is read at once. Unknown sections or keys are errors. */
int score_config_set(score_config *c, const char *section, const char *key, const char *value,
		     assay_error *err);
/* Applies the keys of a loaded configuration: weights.NAME and
 * score.NAME.KEY (the [weights] and [score.NAME] sections); a bad value is
 * an error naming the file and line it came from. */
struct conf;
int score_config_from_conf(score_config *c, const struct conf *conf, assay_error *err);
/* Parses the value of --score-field: NAME or NAME:MIN:MAX. */
int score_config_field(score_config *c, const char *spec, assay_error *err);

/* Script classes for score_config.scripts. */
enum {
	SCORE_SCRIPT_LATIN = 1u << 0,
	SCORE_SCRIPT_GREEK = 1u << 1,
	SCORE_SCRIPT_CYRILLIC = 1u << 2,
	SCORE_SCRIPT_ARMENIAN = 1u << 3,
	SCORE_SCRIPT_HEBREW = 1u << 4,
	SCORE_SCRIPT_ARABIC = 1u << 5,
	SCORE_SCRIPT_INDIC = 1u << 6,
	SCORE_SCRIPT_THAI = 1u << 7,
	SCORE_SCRIPT_CJK = 1u << 8, /* Han, kana and Hangul together */
	SCORE_SCRIPT_OTHER = 1u << 9,
};

/* One text taken apart once for every text scorer: words, sentences,
 * lines and character classes. Reuse between texts (score_text_free at
 * the end); pointers refer into the text analysed. */
typedef struct score_word {
	uint32_t off, len;  /* bytes of the word in the text */
	uint32_t chars;	    /* its code points */
	uint32_t hash;	    /* of its case-folded form (ASCII folding, ’ as ') */
	uint8_t alpha;	    /* contains a letter */
	uint8_t upper;	    /* every letter is upper case (and it has two or more) */
	uint8_t line_start; /* first word of a line */
	uint8_t sent_start; /* first word of a sentence */
} score_word;

typedef struct score_span {
	uint32_t off, len; /* bytes */
	uint32_t first_word, n_words;
} score_span;

typedef struct score_text {
	const char *s;
	size_t n;
	const char *record; /* the original record (JSON) or NULL */
	size_t record_len;
	size_t chars; /* code points */
	size_t letters, digits, spaces;
	size_t invalid;		     /* invalid UTF-8 bytes and U+FFFD */
	size_t controls;	     /* C0 (but tab and newlines), DEL, C1 */
	size_t bidi;		     /* bidi embeddings, overrides, isolates */
	size_t invisible;	     /* zero-width space, word joiner, BOM, soft hyphen */
	size_t mojibake;	     /* UTF-8 read as Windows-1252/Latin-1: "Ã©", "â€™" */
	size_t mojibake_at;	     /* byte offset of the first one's lead letter */
	size_t mixed_words;	     /* words with letters of two scripts ("pаypal") */
	size_t non_ascii, cr;	     /* characters outside ASCII; carriage returns */
	size_t markup;		     /* 1 + offset of the first < [ { ` # or *; 0: none */
	size_t hashes, ellipses;     /* '#' and "..." / U+2026, for the symbol ratio */
	int paren, square, curly;    /* opening minus closing brackets */
	int dquotes;		     /* straight double quotes */
	int curly_open, curly_close; /* U+201C and U+201D */
	uint32_t scripts;	     /* SCORE_SCRIPT_* of the letters seen */
	size_t foreign_letters;	     /* letters outside cfg->scripts (when set) */
	bool caption;		     /* a caption (declared, or the text field says so; set by
					score_text_kind after analysing): minimum length, no
					Markdown */
	bool response;		     /* a response to a prompt (declared, or it has a context):
					short answers, lists, code and poems are normal */
	const char *context;	     /* what the text answers, as plain text ("instruction:
					...\n\ninput: ..." or "user: ..." turns), or NULL */
	size_t context_len;
	score_word *words;
	size_t n_words, cap_words;
	score_span *sents; /* sentences: split after . ! ? and at line breaks */
	size_t n_sents, cap_sents;
	score_span *lines; /* non-empty lines */
	size_t n_lines, cap_lines;
	uint32_t *scratch; /* n-gram tables */
	size_t cap_scratch;
} score_text;

/* Analyses s[0..n) (any bytes; invalid UTF-8 is counted, not refused).
 * Returns ASSAY_OK or ASSAY_ENOMEM. */
int score_text_analyse(score_text *t, const char *s, size_t n, const score_config *cfg);
/* Is a text field of this name a caption (caption, alt_text, description,
 * ... as a whole name or the last part of a dotted path)? NULL: yes. */
bool score_caption_field(const char *field);
/* Sets t->caption and t->response from the batch's declared kind
 * ("caption", "response", "text"; "" or NULL: not declared) or, when not
 * declared, the text field's name (score_caption_field) and whether there
 * is a context; the declared kind wins. */
void score_text_kind(score_text *t, const char *kind, const char *text_field);
/* The plain text of a stored context (JSON array of {"name"|"role",
 * "text"}): each part as "NAME: TEXT", separated by blank lines. Appends
 * to out; nothing for NULL or anything that is not such an array. */
int score_context_text(const char *json, size_t len, abuf *out);
void score_text_free(score_text *t);

typedef void (*score_text_fn)(score_text *t, const score_config *cfg, score_result *out);

/* How a configuration key's value is read, checked and stored. */
enum score_key_type {
	SCORE_KEY_INT,	   /* int within [lo, hi] (lo >= 0), stored plus add */
	SCORE_KEY_DOUBLE,  /* double within [lo, hi]; lo itself out when lo_open */
	SCORE_KEY_BOOL,	   /* yes/no, true/false, on/off, 1/0 */
	SCORE_KEY_STRING,  /* char *, owned by the config */
	SCORE_KEY_FILE,	   /* char *: the text of the file named (at most 1 MiB) */
	SCORE_KEY_SECONDS, /* long milliseconds, given in seconds within (lo, hi] */
	SCORE_KEY_SCRIPTS, /* uint32_t SCORE_SCRIPT_* mask from a comma list */
};

/* Whether a key's value enters its scorer's version (score_version), and
 * how: "|%d" for INT and BOOL, "|%u" SCRIPTS, "|%s" STRING, "|%.6g"
 * DOUBLE (EXACT: "|%.17g"). */
enum score_key_version {
	SCORE_KEY_UNVERSIONED = 0,
	SCORE_KEY_VERSIONED,
	SCORE_KEY_VERSIONED_EXACT,
};

/* One configuration key of a scorer's [score.NAME] section. Every key of
 * every scorer is read by one function (score_config_set), so a bad value
 * always says "[score.NAME] KEY: expected WANT, got "VALUE"". */
typedef struct score_key {
	const char *name;
	int type;	  /* enum score_key_type */
	size_t at;	  /* where the value lives: offsetof(score_config, ...) */
	double lo, hi;	  /* INT, DOUBLE, SECONDS: the bounds, inclusive */
	bool lo_open;	  /* lo itself is out of bounds */
	int add;	  /* INT: stored as the value plus this (retries -> attempts) */
	double def;	  /* INT, DOUBLE, BOOL: what score_config_init sets */
	size_t given;	  /* offsetof a bool set true when the key is given; 0: none
			     (offset 0 holds the thresholds, never a bool) */
	int version;	  /* enum score_key_version */
	const char *want; /* what a bad value's error says was expected */
} score_key;

/* What a scorer needs from a run beyond the text and its context. */
enum {
	SCORE_NEEDS_RECORD = 1u << 0, /* the sample's original record (JSON) */
	SCORE_NEEDS_RANGE = 1u << 1,  /* cfg->field's range in the data in scope, when
					 min and max are not given */
};

/* One row per scorer: adding a scorer is its row (with its keys) and its
 * file, plus its name in enum score_id and, for a setting, its field in
 * score_config. */
typedef struct score_def {
	const char *name;
	const char *version; /* the rules' version: bump when they change */
	double threshold;    /* default threshold */
	int kind;	     /* enum score_kind: how a run drives it */
	bool builtin;	     /* run by default (by `assay score` and after import) */
	score_text_fn fn;    /* SCORE_KIND_TEXT only */
	const char *summary;
	const score_key *keys; /* its section's keys besides threshold and weight */
	size_t n_keys;
	unsigned needs; /* SCORE_NEEDS_* */
	/* Appends to its version what else changes its values (a remote
	 * endpoint's configuration hash, the model in use); NULL: nothing. */
	void (*params)(const score_config *cfg, abuf *out);
} score_def;

/* The table: SCORE_COUNT rows in enum score_id order. */
extern const score_def score_defs[SCORE_COUNT];
/* The row for a name, or NULL. */
const score_def *score_find(const char *name);

/* Runs one text scorer on an analysed text and sets out->flagged from the
 * configured threshold. */
void score_text_run(enum score_id id, score_text *t, const score_config *cfg, score_result *out);

/* The version stored with a score: the rules' version and a hash of the
 * parameters that change its value or flag ("1.3fa2c01b"); a stored score
 * is current when its version equals this. out needs 32 bytes. */
void score_version(enum score_id id, const score_config *cfg, char out[32]);

/* value in [0,1]: 1 where x is at good (or beyond it, away from limit),
 * 0.5 at limit, 0 at limit + (limit - good); linear in between. */
double score_ramp(double x, double good, double limit);

/* The combined score of one sample: the product of value_i ^ weight_i over
 * its scores (values NAN are left out); 1 when there are none. In [0,1]. */
double score_combine(const double *values, const double *weights, size_t n);

/* ---- Near duplicates (MinHash over words and word bigrams, LSH banding) ---- */

/* 20 bands of 6 rows: 120 min-hashes per text. A pair at Jaccard s becomes
 * a candidate with probability 1 - (1 - s^6)^20: 0.998 at 0.8, 0.92 at
 * 0.7, 0.27 at 0.5; candidates are then checked on the whole signature. */
#define SCORE_MH_BANDS 20
#define SCORE_MH_ROWS  6
#define SCORE_MH_K     (SCORE_MH_BANDS * SCORE_MH_ROWS)
/* New samples a near-duplicate run holds in memory at once (a chunk): the
 * earlier ones are matched through the band keys stored on disk. */
#define SCORE_ND_CHUNK 32768

/* The 120 min-hashes of a text's shingles: every word and every pair of
 * adjacent words (case-folded, punctuation dropped). Bigrams keep word
 * order; the words themselves keep a short caption with one changed word
 * above 0.8 (bigrams alone fall to 0.7 at 12 words). An empty text gets
 * all-ones. */
void score_minhash(const score_text *t, uint32_t sig[SCORE_MH_K]);
/* The code that computes them; every path gives the same values.
 * SCORE_MH_AUTO: the widest this CPU runs (what score_minhash uses). */
typedef enum score_mh_path {
	SCORE_MH_AUTO,
	SCORE_MH_SCALAR,
	SCORE_MH_AVX2,	 /* x86-64: 8 functions at a time */
	SCORE_MH_AVX512, /* x86-64 with AVX-512F: 16 at a time */
} score_mh_path;
/* score_minhash by the given path; false (sig untouched) when this CPU or
 * build cannot run it. */
bool score_minhash_path(const score_text *t, uint32_t sig[SCORE_MH_K], score_mh_path path);

/* An in-memory LSH index over signatures kept as 8-bit values (b-bit
 * MinHash): about 120 + 20*4 bytes per sample plus the band table (2^k
 * slots of 8 bytes, kept at most half full): ~460 MB for 1M samples. */
typedef struct score_lsh score_lsh;

/* A sample's best match among those added before it. */
typedef struct score_lsh_match {
	uint32_t best;	   /* index of the most similar earlier sample, or UINT32_MAX */
	double similarity; /* its estimated Jaccard (0 when none) */
} score_lsh_match;

/* expected: how many samples will be added (sizes the band table). */
score_lsh *score_lsh_new(size_t expected, assay_error *err);
void score_lsh_free(score_lsh *l);
/* Adds sample number score_lsh_count() with signature sig and returns its
 * best earlier match (candidates from shared bands, at most 64 per band,
 * most recent first). */
int score_lsh_add(score_lsh *l, const uint32_t sig[SCORE_MH_K], score_lsh_match *m,
		  assay_error *err);
/* The same with the signature's band keys already made
 * (score_minhash_bands). */
int score_lsh_add_keyed(score_lsh *l, const uint32_t sig[SCORE_MH_K],
			const uint32_t keys[SCORE_MH_BANDS], score_lsh_match *m, assay_error *err);
size_t score_lsh_count(const score_lsh *l);
/* Empties the index, keeping what it holds allocated (the next sample
 * added is number 0 again). */
void score_lsh_clear(score_lsh *l);
/* Estimated Jaccard of two added samples (from the 8-bit signatures,
 * corrected for chance agreement). */
double score_lsh_similarity(const score_lsh *l, uint32_t a, uint32_t b);
/* Bytes held by the index. */
size_t score_lsh_bytes(const score_lsh *l);
/* The 8-bit signature of added sample i (SCORE_MH_K bytes). */
const uint8_t *score_lsh_sig(const score_lsh *l, uint32_t i);

/* How many of two 8-bit signatures' bytes agree (0..SCORE_MH_K), and the
 * Jaccard estimate of an agreement (corrected for two different min-hashes
 * agreeing on their low byte by chance): what score_lsh_similarity gives. */
int score_minhash_agree(const uint8_t a[SCORE_MH_K], const uint8_t b[SCORE_MH_K]);
double score_minhash_jaccard(int agree);
/* The key of each LSH band, as the index files it (never 0): two texts
 * sharing a key are candidates. */
void score_minhash_bands(const uint32_t sig[SCORE_MH_K], uint32_t keys[SCORE_MH_BANDS]);

/* ---- Remote scorers ------------------------------------------------------- */

/* The built-in rubric used when no prompt file is given. */
extern const char score_default_rubric[];

/* Renders a rubric template: {{text}} becomes the text, {{meta.FIELD}} the
 * value of FIELD in the record's "meta" object (else the record's own
 * FIELD; "" when absent). Appends to out. */
int score_render_prompt(const char *tmpl, const char *text, size_t n, const char *record,
			size_t record_len, abuf *out);
/* The same with the sample's context (stored JSON array, or NULL):
 * {{context}} becomes its plain text (score_context_text), {{turns}} the
 * JSON array itself ("[]" when none); the built-in rubric shows the
 * context under "What was asked" and judges the response against it. */
int score_render_prompt_ctx(const char *tmpl, const char *text, size_t n, const char *record,
			    size_t record_len, const char *context, size_t context_len,
			    abuf *out);
/* The JSON body of a chat-completions request for one rendered prompt. */
int score_judge_body(const score_remote *r, const char *system, const char *user,
		     bool response_format, abuf *out);
/* Reads a chat-completions answer: the message content, then the first
 * JSON object in it holding "score" (prose around it is ignored). Fills
 * *value (must be in [0,1]) and reason (the model's reason, sanitized). */
int score_judge_parse(const char *body, size_t len, double *value, char *reason, size_t cap,
		      assay_error *err);
/* Reads a /predict answer ([{label, score}] or [[...]]) for label. */
int score_classifier_parse(const char *body, size_t len, const char *label, double *score,
			   assay_error *err);
/* The cache key of a remote scorer's configuration: endpoint, model,
 * prompt, label and inversion (never the API key). */
uint64_t score_remote_config_hash(enum score_id id, const score_remote *r);

/* ---- Suggestions for the review screen (the `S` key) ---------------------- */

/* Asks the llm-judge endpoint (cfg->judge: endpoint, model, key in
 * net.bearer) for a corrected version of a caption without blocking:
 * score_suggest_submit queues one chat-completions request on a pool the
 * caller steps from its event loop (net_pool_pollfds / net_pool_step);
 * when it ends, done(ud, text, len, err) is called from net_pool_step with
 * the corrected caption (text NULL and err set on failure; both valid only
 * during the call). Free order: net_pool_free first, then
 * score_suggester_free (which releases requests that never finished). */
typedef struct score_suggester score_suggester;
typedef void (*score_suggest_fn)(void *ud, const char *text, size_t len, const assay_error *err);

score_suggester *score_suggester_new(const score_remote *judge, assay_error *err);
int score_suggest_submit(score_suggester *sg, net_pool *pool, const char *text, size_t len,
			 score_suggest_fn done, void *ud, assay_error *err);
void score_suggester_free(score_suggester *sg);
/* The request body sent for a suggestion (exposed for tests). */
int score_suggest_body(const score_remote *judge, const char *text, size_t len, abuf *out);
/* Extracts the suggested text from a chat-completions answer: the message
 * content with surrounding quotes or a code fence removed. */
int score_suggest_parse(const char *body, size_t len, abuf *out, assay_error *err);

/* ---- Corrected texts ---------------------------------------------------------- */

/* Scores an edited sample's corrected text (a lead's edit, else the latest
 * edit) with the built-in text scorers, beside the original's scores, and
 * writes its combined score (the corrected text's values for the text
 * scorers, the original's for the others); export --min and the export's
 * quality filter use these for edited samples. Does nothing when the
 * sample is not edited, its original was never scored (import --no-score)
 * or this text was scored already (*scored false).
 * Runs in its own transaction unless one is open. The review screen calls
 * it after saving an edit; `decide` and `score` do too. */
int score_edit(store *s, const score_config *cfg, int64_t sample_id, bool *scored,
	       assay_error *err);
/* The same for every edited sample whose correction is not scored yet;
 * *n gets how many were scored. */
int score_edits_pending(store *s, const score_config *cfg, int64_t *n, assay_error *err);

/* ---- Runs over the store -------------------------------------------------- */

typedef struct score_progress {
	const char *phase;   /* the scorer (or "combined") being run */
	int64_t done, total; /* samples visited in this phase, and in scope */
	int64_t scored, failed, flagged;
} score_progress;

typedef struct score_run_options {
	const char *const *names; /* the scorers to run; NULL: every built-in */
	size_t n_names;
	const int64_t *batch_ids; /* the batches to score; NULL: all */
	size_t n_batches;
	bool rescore; /* score again what is current */
	const score_config *cfg;
	size_t page; /* samples per read and per transaction; 0: 1024 */
	void (*progress)(void *ud, const score_progress *p);
	void *ud;
	volatile sig_atomic_t *stop; /* raised: commit what is done and stop */
} score_run_options;

typedef struct score_run_result {
	int64_t scored[SCORE_COUNT]; /* scores written */
	int64_t flagged[SCORE_COUNT];
	int64_t failed[SCORE_COUNT]; /* value NULL with a reason (remote failures) */
	char failure[SCORE_COUNT][SCORE_REASON_MAX]; /* the first failure's reason */
	int64_t cached[SCORE_COUNT]; /* remote answers taken from the cache */
	int64_t combined;	     /* samples whose combined score was written */
	double seconds[SCORE_COUNT]; /* each scorer's own time (a rule scorer: its calls,
					summed over the cores that made them) */
	double shared_seconds;	     /* the rule scorers' pass besides their calls:
					reading, analysing the texts, writing */
	size_t peak_index_bytes; /* neardup: the LSH index at its largest */
	bool no_model;		 /* learned was to run, but no model is stored yet */
} score_run_result;

/* Runs the named scorers over the samples in scope, writing each score
 * (with its version) and, in the same transaction, the combined score of
 * its sample; then the combined score of any sample of the database that
 * holds scores without one (left by older versions).
 * Scores already current are skipped unless rescore. Remote failures are
 * recorded per sample and the run goes on. Returns ASSAY_EINTR when
 * stopped (what was done is committed). */
int score_run(store *s, const score_run_options *o, score_run_result *res, assay_error *err);

/* ---- The rule scorers over a run of samples, on several cores ---------- */

/* One sample as the rule scorers take it (stored or not yet). */
typedef struct score_input {
	const char *text;
	size_t text_len;
	const char *context;    /* the stored context (JSON array), or NULL */
	size_t context_len;
	const char *text_field;
	const char *kind;       /* the batch's declared kind; "" or NULL: none */
	const char *record;     /* the original record, or NULL */
	size_t record_len;
	uint64_t need;          /* bit k: rule k of the pipe is wanted; 0: none */
} score_input;

#define SCORE_PIPE_MAX 1024 /* inputs per score_pipe_compute */

/* Rules ids[0..n) (text scorers) at cfg (kept by pointer, not copied). */
typedef struct score_pipe score_pipe;
int score_pipe_new(const score_config *cfg, const enum score_id *ids, size_t n, score_pipe **out,
		   assay_error *err);
void score_pipe_free(score_pipe *p);
/* Scores in[0..n) (n <= SCORE_PIPE_MAX) on assay_workers() cores; the
 * results stay, by index, until the next run is finished (the inputs are
 * copied, the bytes they point to must live as long). */
int score_pipe_compute(score_pipe *p, const score_input *in, size_t n, assay_error *err);
/* The same in two steps, so the caller can write the results of the last
 * run while the helper threads score the next: start returns at once
 * (one run at a time), finish takes the tasks left, waits for the rest and
 * makes this run's results the ones score_pipe_write reads. Freeing the
 * pipe finishes a started run. */
int score_pipe_start(score_pipe *p, const score_input *in, size_t n, assay_error *err);
int score_pipe_finish(score_pipe *p, assay_error *err);
/* Writes result i as the scores of sample_id in one row (inside the
 * caller's transaction) and, with combine, its combined score from these
 * scores alone (for a sample that holds no other: a new one). Counts go
 * into res. */
int score_pipe_write(score_pipe *p, store *s, size_t i, int64_t sample_id, bool combine,
		     score_run_result *res, assay_error *err);
/* The same without the combined score, packed now and written with the
 * others added since by score_pipe_flush (a few statements for many
 * samples; write false: dropped unwritten, after a rollback), with n_more
 * rows of other scorers of the same sample (their reasons split by the
 * store) in the one entry of the batch, so that the sample's row is
 * written once (i SIZE_MAX: those rows alone, none of the run's);
 * more_refs (or NULL): as store_scores_put_split's refs, kept for the
 * next call. */
int score_pipe_add_more(score_pipe *p, store *s, size_t i, int64_t sample_id,
			const store_score_row *more, store_slot_ref *more_refs, size_t n_more,
			score_run_result *res, assay_error *err);
int score_pipe_flush(score_pipe *p, store *s, bool write, assay_error *err);
/* Result i's values into values[score id] for the rules it ran (the other
 * entries left as they are). */
void score_pipe_values(const score_pipe *p, size_t i, double *values);
/* Adds each scorer's own time (summed over the cores) and the analysing
 * time to res->seconds and res->shared_seconds, and starts them afresh. */
void score_pipe_figures(score_pipe *p, score_run_result *res);

/* The learned scores of the undecided samples brought up to the newest
 * model a page at a time, for a screen's loop: each step reads one page
 * of samples whose learned score is of an older model (ids ascending),
 * predicts and writes them with their combined scores in one short
 * transaction. score_refresh_new sets *out NULL when there is no model. */
typedef struct score_refresh score_refresh;
int score_refresh_new(store *s, const score_config *cfg, score_refresh **out,
		      assay_error *err);
/* Scores at most max samples among the next span ids (so a step never
 * walks far past decided samples); *n gets how many, *more whether ids
 * are left after them. */
int score_refresh_step(score_refresh *r, size_t max, int64_t span, size_t *n, bool *more,
		       assay_error *err);
/* The model version it scores with. */
int64_t score_refresh_model(const score_refresh *r);
void score_refresh_free(score_refresh *r);

/* Parses "length,gopher" into table ids (names checked); *n gets the count. */
int score_parse_names(const char *list, enum score_id *ids, size_t *n, assay_error *err);

/* Checks the scorers e (parsed from src) names in flagged(NAME) and
 * score.NAME: each a built-in's name or one s holds scores of. An unknown
 * one fails with ASSAY_EINVAL as a bad expression does (its column, the
 * expression and a caret under the name; the known names listed). */
struct query_expr;
int score_where_check(store *s, const struct query_expr *e, const char *src, assay_error *err);

#endif
