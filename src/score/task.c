/* task.c — the `task` scorer: whether a response does the task it was
 * given. It flags responses that decline or defer in disguise ("<nooutput>",
 * "No output required", "As a text-based AI, I cannot ...") and prompts
 * that ask a text model for what it cannot produce or see: a drawing, logo,
 * photo, 3D model, audio or video to be made; a URL, attachment, file or
 * "the following article" that is not in the input; live data. The issue
 * classes follow the public write-ups of instruction-data cleaning (the
 * AlpacaDataCleaned README: "Hallucinations", "Empty outputs", "Instructions
 * to generate images", "N/A outputs", "Merged instructions", ...). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "score_int.h"

enum task_rule { TASK_DECLINE, TASK_MAKE, TASK_UNSEEN, TASK_LIVE, TASK_RULES };

static const char *const rule_names[TASK_RULES] = {
	"declines the task", "asks for what a text model cannot make",
	"refers to what is not in the input", "asks for live data"};
/* The value one match of each rule leaves. */
static const double rule_value[TASK_RULES] = {0.1, 0.2, 0.25, 0.3};

/* In the response: the task declined or deferred. */
static const char *const declines[] = {
	"nooutput", "no output required", "no output is required", "no output needed",
	"no output necessary", "this type of instruction cannot be fulfilled",
	"cannot be fulfilled by a gpt model", "cannot be completed by a gpt model",
	"not possible for a gpt model", "as a text-based ai", "as a text based ai",
	"as a text-based language model", "as a text-based model", "as a text-only",
	"i am a text-based", "i'm a text-based", "this instruction cannot be completed",
	"this task cannot be completed", "this task requires visual", "this task requires a visual",
	"requires access to the internet", "i do not have access to the internet",
	"i don't have access to the internet", "i do not have real-time",
	"i don't have real-time", "i cannot browse", "i can't browse", "i cannot access the",
	"i can't access the", "i cannot open", "i can't open", "i cannot draw", "i can't draw",
	"i cannot create images", "i can't create images", "i cannot record", "i can't record"};

/* In the prompt: something to be made that is not text. */
static const char *const makes[] = {
	"draw a picture", "draw an image", "draw a diagram", "draw a map", "draw a graph",
	"draw a chart", "draw a cartoon", "draw a portrait", "draw a sketch", "sketch a",
	"paint a picture", "paint a portrait", "create a logo", "design a logo", "make a logo",
	"generate a logo", "create an image", "generate an image", "create a picture",
	"generate a picture", "produce an image", "take a photo", "take a picture",
	"take a photograph", "create a 3d model", "make a 3d model", "design a 3d model",
	"3d model of", "create a video", "make a video", "produce a video", "record a video",
	"generate a video", "film a", "create an audio", "record an audio", "record a podcast",
	"record yourself", "audio recording of", "compose and record", "create a gif"};

/* In the prompt: something to read or see that a text record cannot hold
 * (always), or that should follow in the input (only when little does). */
static const char *const unseen[] = {
	"http://", "https://", "www.", "the attached", "attached file", "the attachment",
	"uploaded file", "the uploaded", "this link", "the link below", "the given url",
	"the given link", "the following url", "the following link", "the image above",
	"the following image", "the picture above", "the following picture", "this photo",
	"the following video", "this video", "the following audio", "this audio clip",
	"this pdf", "the following pdf", "the attached pdf", "the spreadsheet"};
static const char *const following[] = {
	"the following article", "the following text", "the following passage",
	"the following paragraph", "the following document", "the following essay",
	"the following story", "the following email", "the following poem",
	"the following code", "the following table", "the following data", "the given article",
	"the given text", "the given passage", "the given paragraph", "the article below",
	"the text below", "this article", "this passage", "this essay"};

/* In the prompt: what only a live source knows. */
static const char *const live[] = {
	"today's weather", "weather today", "current weather", "weather forecast for",
	"current price", "current stock", "stock price today", "today's stock",
	"today's news", "latest news", "current exchange rate", "exchange rate today",
	"current time", "what time is it", "today's date", "live score", "current score of",
	"latest score", "right now in", "this week's news"};

typedef struct task_state {
	const score_text *t;
	size_t count[TASK_RULES];
	int worst;
	const char *what;
} task_state;

static void task_hit(task_state *st, int rule, const char *what)
{
	st->count[rule]++;
	if (st->worst < 0 || rule_value[rule] < rule_value[st->worst]) {
		st->worst = rule;
		st->what = what;
	}
}

/* Whether little of the context follows the phrase: what "the following
 * article" names is not there. Context parts after the instruction count. */
/* Where needle (m bytes, m > 0) first occurs in s[0..n), case folded as
 * strncasecmp folds; n when nowhere. strncasecmp is called only where the
 * first bytes fold alike (by the same tolower it uses). */
static size_t find_case(const char *s, size_t n, const char *needle, size_t m)
{
	int first = tolower((unsigned char)needle[0]);
	for (size_t i = 0; i + m <= n; i++)
		if (tolower((unsigned char)s[i]) == first && !strncasecmp(s + i, needle, m))
			return i;
	return n;
}

static bool nothing_follows(const score_text *t, const char *phrase)
{
	size_t n = t->context_len, m = strlen(phrase);
	size_t i = m ? find_case(t->context, n, phrase, m) : 0;
	return i + m <= n && n - (i + m) < 80;
}

static bool has_bytes(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	return m == 0 ? n >= m : find_case(s, n, needle, m) < n;
}

/* Which of a table's phrases the context holds (score_words_in: one pass). */
#define CONTEXT_HOLDS(t, table)                                                                    \
	score_words_in((t)->context, (t)->context_len, table, ASSAY_ARRAY_LEN(table))

static void check_prompt(task_state *st)
{
	const score_text *t = st->t;
	uint64_t m = CONTEXT_HOLDS(t, makes);
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(makes); i++)
		if (m >> i & 1)
			task_hit(st, TASK_MAKE, makes[i]);
	m = CONTEXT_HOLDS(t, unseen);
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(unseen); i++)
		if (unseen[i][strlen(unseen[i]) - 1] == '/' || unseen[i][strlen(unseen[i]) - 1] == '.'
			? has_bytes(t->context, t->context_len, unseen[i])
			: m >> i & 1)
			task_hit(st, TASK_UNSEEN, unseen[i]);
	m = CONTEXT_HOLDS(t, following);
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(following); i++)
		if ((m >> i & 1) && nothing_follows(t, following[i]))
			task_hit(st, TASK_UNSEEN, following[i]);
	m = CONTEXT_HOLDS(t, live);
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(live); i++)
		if (m >> i & 1)
			task_hit(st, TASK_LIVE, live[i]);
}

void score_task(score_text *t, const score_config *cfg, score_result *out)
{
	(void)cfg;
	if (!t->response && !t->context) {
		score_set(out, 1, "task: not a response to a prompt");
		return;
	}
	task_state st = {.t = t, .worst = -1};
	uint64_t m = score_words_in(t->s, t->n, declines, ASSAY_ARRAY_LEN(declines));
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(declines); i++)
		if (m >> i & 1)
			task_hit(&st, TASK_DECLINE, declines[i]);
	if (t->context)
		check_prompt(&st);
	size_t total = 0;
	for (int k = 0; k < TASK_RULES; k++)
		total += st.count[k];
	if (total == 0) {
		score_set(out, 1, t->context ? "task: done as asked, as far as rules can tell"
					     : "task: no decline (no prompt to check against)");
		return;
	}
	double v = rule_value[st.worst] * pow(0.8, (double)(total - 1));
	score_set(out, v, "task: %s (\"%s\")%s", rule_names[st.worst], st.what,
		  total > 1 ? " and more" : "");
	snprintf(out->detail, sizeof out->detail,
		 "{\"decline\":%zu,\"make\":%zu,\"unseen\":%zu,\"live\":%zu}",
		 st.count[TASK_DECLINE], st.count[TASK_MAKE], st.count[TASK_UNSEEN],
		 st.count[TASK_LIVE]);
}
