/* test_remote.c — the remote scorers' pure parts (src/score/remote.c):
 * templates, request bodies, verdicts with prose around them, label lists,
 * suggestion answers. The HTTP side is tested in tests/e2e/test_score.py. */
#include <cjson/cJSON.h>
#include <math.h>

#include "helpers.h"
#include "unit.h"

TEST(render_templates)
{
	abuf out = {0};
	const char rec[] = "{\"caption\":\"x\",\"meta\":{\"model\":\"qwen\",\"scene\":\"beach\","
			   "\"n\":3},\"model\":\"top\",\"source\":{\"kind\":\"video\"}}";
	CHECK_INT(score_render_prompt("Model {{meta.model}} saw {{ text }} ({{meta.n}}, "
				      "{{meta.source.kind}}, {{meta.missing}}, {{other}})",
				      "a dog", 5, rec, sizeof rec - 1, &out),
		  0);
	CHECK_STR(out.data, "Model qwen saw a dog (3, video, , {{other}})");
	abuf_reset(&out);
	/* No record, unclosed braces, text with braces of its own. */
	CHECK_INT(score_render_prompt("{{text}} {{meta.x}} {{open", "{{text}}", 8, NULL, 0, &out),
		  0);
	CHECK_STR(out.data, "{{text}}  {{open");
	abuf_reset(&out);
	CHECK_INT(score_render_prompt(score_default_rubric, "A cat.", 6, NULL, 0, &out), 0);
	CHECK_CONTAINS(out.data, "\"\"\"\nA cat.\n\"\"\"");
	abuf_free(&out);
}

TEST(judge_body)
{
	score_remote r = {.model = "llama"};
	abuf out = {0};
	CHECK_INT(score_judge_body(&r, NULL, "grade \"this\"\n", true, &out), 0);
	cJSON *j = cJSON_Parse(out.data);
	CHECK(j != NULL);
	CHECK_STR(cJSON_GetObjectItem(j, "model")->valuestring, "llama");
	cJSON *msgs = cJSON_GetObjectItem(j, "messages");
	CHECK_INT(cJSON_GetArraySize(msgs), 2);
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(msgs, 1), "content")->valuestring,
		  "grade \"this\"\n");
	CHECK_STR(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(j, "response_format"), "type")->valuestring,
	    "json_object");
	cJSON_Delete(j);
	abuf_reset(&out);
	CHECK_INT(score_judge_body(&r, NULL, "x", false, &out), 0);
	CHECK(strstr(out.data, "response_format") == NULL);
	abuf_free(&out);
}

static int parse(const char *content_json, double *v, char *why)
{
	char body[2048];
	snprintf(body, sizeof body,
		 "{\"choices\":[{\"message\":{\"role\":\"assistant\","
		 "\"content\":%s}}]}",
		 content_json);
	assay_error err = {0};
	return score_judge_parse(body, strlen(body), v, why, 80, &err);
}

TEST(judge_verdicts)
{
	double v = -1;
	char why[80];
	CHECK_INT(parse("\"{\\\"score\\\": 0.25, \\\"reason\\\": \\\"cut off\\\"}\"", &v, why), 0);
	CHECK_NEAR(v, 0.25, 1e-12);
	CHECK_STR(why, "cut off");
	/* Prose and a code fence around it; braces inside strings. */
	CHECK_INT(parse("\"Sure! Here is my assessment:\\n```json\\n{\\\"reason\\\": \\\"a } in "
			"text\\\", \\\"score\\\": \\\"0.9\\\"}\\n```\\nHope it helps.\"",
			&v, why),
		  0);
	CHECK_NEAR(v, 0.9, 1e-12);
	CHECK_STR(why, "a } in text");
	/* An object without a score first, then one with. */
	CHECK_INT(parse("\"{\\\"note\\\": 1} then {\\\"score\\\": 1}\"", &v, why), 0);
	CHECK_NEAR(v, 1, 1e-12);
	CHECK_STR(why, "");
	/* Control characters in the reason are blanked. */
	CHECK_INT(parse("\"{\\\"score\\\": 0, \\\"reason\\\": \\\"a\\u001b[2Jb\\\"}\"", &v, why),
		  0);
	CHECK_STR(why, "a [2Jb");
	CHECK_INT(parse("\"{\\\"score\\\": 7}\"", &v, why), ASSAY_EFORMAT);
	CHECK_INT(parse("\"no json here\"", &v, why), ASSAY_EFORMAT);
	CHECK_INT(parse("\"{\\\"score\\\": 0.5\"", &v, why), ASSAY_EFORMAT);
	CHECK_INT(parse("null", &v, why), ASSAY_EFORMAT);
	assay_error err = {0};
	CHECK_INT(
	    score_judge_parse("{\"choices\": [{\"message\": {\"content\": \"{\\\"score\\\": 0.", 40,
			      &v, why, 80, &err),
	    ASSAY_EFORMAT);
	CHECK_CONTAINS(err.msg, "not JSON");
	CHECK_INT(score_judge_parse("{}", 2, &v, why, 80, &err), ASSAY_EFORMAT);
	CHECK_CONTAINS(err.msg, "choices[0].message.content");
}

TEST(classifier_labels)
{
	double p;
	assay_error err = {0};
	const char one[] = "[{\"label\":\"toxic\",\"score\":0.8},{\"label\":\"ok\",\"score\":0.2}]";
	CHECK_INT(score_classifier_parse(one, sizeof one - 1, "ok", &p, &err), 0);
	CHECK_NEAR(p, 0.2, 1e-12);
	CHECK_INT(score_classifier_parse(one, sizeof one - 1, "TOXIC", &p, &err), 0);
	CHECK_NEAR(p, 0.8, 1e-12);
	const char batch[] = "[[{\"label\":\"ok\",\"score\":0.6}]]";
	CHECK_INT(score_classifier_parse(batch, sizeof batch - 1, "ok", &p, &err), 0);
	CHECK_NEAR(p, 0.6, 1e-12);
	CHECK_INT(score_classifier_parse(one, sizeof one - 1, "spam", &p, &err), ASSAY_EFORMAT);
	CHECK_CONTAINS(err.msg, "no label \"spam\" in the answer (labels: toxic, ok)");
	CHECK_INT(score_classifier_parse("{\"x\":1}", 7, "ok", &p, &err), ASSAY_EFORMAT);
	CHECK_INT(score_classifier_parse("", 0, "ok", &p, &err), ASSAY_EFORMAT);
}

TEST(suggestions)
{
	score_remote r = {.model = "m"};
	abuf out = {0};
	CHECK_INT(score_suggest_body(&r, "A dog runs runs.", 16, &out), 0);
	CHECK_CONTAINS(out.data, "A dog runs runs.");
	CHECK_CONTAINS(out.data, "corrected caption only");
	abuf_reset(&out);
	assay_error err = {0};
	const char fenced[] =
	    "{\"choices\":[{\"message\":{\"content\":\"```\\nA dog runs.\\n```\"}}]}";
	CHECK_INT(score_suggest_parse(fenced, sizeof fenced - 1, &out, &err), 0);
	CHECK_STR(out.data, "A dog runs.");
	abuf_reset(&out);
	const char quoted[] = "{\"choices\":[{\"message\":{\"content\":\"  \\\"A dog.\\\" \"}}]}";
	CHECK_INT(score_suggest_parse(quoted, sizeof quoted - 1, &out, &err), 0);
	CHECK_STR(out.data, "A dog.");
	const char empty[] = "{\"choices\":[{\"message\":{\"content\":\"  \"}}]}";
	CHECK_INT(score_suggest_parse(empty, sizeof empty - 1, &out, &err), ASSAY_EFORMAT);
	abuf_free(&out);
	score_suggester *sg = score_suggester_new(&r, &err);
	CHECK(sg == NULL);
	CHECK_CONTAINS(err.msg, "no endpoint");
}

/* Every string an answer brings back is read whole and redacted: a 200
 * answer echoing the key (written with escapes at either level) stores
 * nothing of it; a \u0000 or a key twice refuses the answer. */
TEST(answers_are_read_strictly_and_redacted)
{
	setenv("ASSAY_API_KEY", "kq-test-0123456789-SECRET", 1);
	double v = -1;
	char why[200];
	/* "kq-" written \u006bq- inside the content, \u0053 for S in the verdict */
	CHECK_INT(parse("\"{\\\"score\\\": 0.3, \\\"reason\\\": \\\"key is Bearer \\u006bq-test-"
			"0123456789-\\\\u0053ECRET and sk-\\\\u0041BCDEFGHIJKLMNOPQRSTU\\\"}\"",
			&v, why),
		  0);
	CHECK_STR(why, "key is Bearer [redacted] and [redacted]");
	CHECK_INT(parse("\"{\\\"score\\\": 0.3, \\\"reason\\\": \\\"ok\\\", \\\"score\\\": 0.9}\"",
			&v, why),
		  ASSAY_EFORMAT);
	assay_error err = {0};
	const char nul[] = "{\"choices\":[{\"message\":{\"content\":\"{\\\"score\\\": 0.3, "
			   "\\\"reason\\\": \\\"cut\\u0000 kq-test-0123456789-SECRET\\\"}\"}}]}";
	CHECK_INT(score_judge_parse(nul, sizeof nul - 1, &v, why, sizeof why, &err), ASSAY_EFORMAT);
	CHECK_CONTAINS(err.msg, "\\u0000");
	CHECK(!strstr(err.msg, "SECRET"));
	abuf out = {0};
	const char sug[] = "{\"choices\":[{\"message\":{\"content\":\"A dog. kq-test-"
			   "0123456789-\\u0053ECRET\"}}]}";
	CHECK_INT(score_suggest_parse(sug, sizeof sug - 1, &out, &err), 0);
	CHECK_STR(out.data, "A dog. [redacted]");
	abuf_free(&out);
	const char labels[] = "[{\"label\":\"kq-test-0123456789-\\u0053ECRET\",\"score\":0.8}]";
	CHECK_INT(score_classifier_parse(labels, sizeof labels - 1, "ok", &v, &err), ASSAY_EFORMAT);
	CHECK_CONTAINS(err.msg, "(labels: [redacted])");
	const char dup[] = "[{\"label\":\"ok\",\"score\":0.8,\"score\":0.1}]";
	CHECK_INT(score_classifier_parse(dup, sizeof dup - 1, "ok", &v, &err), ASSAY_EFORMAT);
	CHECK_CONTAINS(err.msg, "duplicate key \"score\"");
	unsetenv("ASSAY_API_KEY");
}

static int calls;
static char got[256];
static void on_suggestion(void *ud, const char *text, size_t len, const assay_error *err)
{
	(void)ud;
	calls++;
	snprintf(got, sizeof got, "%.*s", text ? (int)len : 0, text ? text : "");
	if (err)
		snprintf(got, sizeof got, "error: %.200s", err->msg);
}

/* Against a port nobody listens on: the pool reports the failure through
 * the callback, from net_pool_step, without blocking the caller. */
TEST(suggester_failure_path)
{
	assay_error err = {0};
	score_remote r = {.endpoint = "http://127.0.0.1:9/v1/chat/completions", .model = "m"};
	score_suggester *sg = score_suggester_new(&r, &err);
	CHECK(sg != NULL);
	net_options o = {.max_attempts = 1, .connect_timeout_ms = 2000};
	CHECK_INT(net_global_init(&err), 0);
	net_pool *pool = net_pool_new(&o, 2, &err);
	CHECK_INT(score_suggest_submit(sg, pool, "A dog.", 6, on_suggestion, NULL, &err), 0);
	int64_t t0 = assay_mono_ns();
	int pending = net_pool_step(pool);
	CHECK(assay_mono_ns() - t0 < 500000000);
	while (pending > 0 && assay_mono_ns() - t0 < 10000000000ll) {
		struct pollfd fds[8];
		long wait;
		int n = net_pool_pollfds(pool, fds, 8, &wait);
		poll(fds, n > 0 ? (nfds_t)n : 0, wait < 0 ? 10 : (int)wait);
		pending = net_pool_step(pool);
	}
	CHECK_INT(calls, 1);
	CHECK_CONTAINS(got, "error: ");
	/* A request still queued when the pool goes is released by the suggester. */
	CHECK_INT(score_suggest_submit(sg, pool, "A cat.", 6, on_suggestion, NULL, &err), 0);
	net_pool_free(pool);
	score_suggester_free(sg);
	net_global_cleanup();
}

UNIT_MAIN(UNIT_CASE(render_templates), UNIT_CASE(judge_body), UNIT_CASE(judge_verdicts), UNIT_CASE(answers_are_read_strictly_and_redacted),
	  UNIT_CASE(classifier_labels), UNIT_CASE(suggestions), UNIT_CASE(suggester_failure_path))
