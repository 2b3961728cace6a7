/* test_task.c — the scorers with the prompt behind a text (src/score/
 * context.c, task.c, and artifacts' exemptions in patterns.c): the task
 * scorer's rules, phrases the prompt asked for, code and fiction, the
 * declared kind winning over the field's name, and the judge's rubric
 * with the context. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "../../src/score/score_int.h"
#include "helpers.h"
#include "unit.h"

/* Scores text as the answer to a context (stored JSON array or NULL) of
 * the declared kind ("" for none) in text field field. */
static score_result with_context(enum score_id id, const char *context, const char *text,
				 const char *kind, const char *field)
{
	score_text t = {0};
	score_result r;
	abuf ctx = {0};
	score_text_analyse(&t, text, strlen(text), test_cfg());
	if (context)
		score_context_text(context, strlen(context), &ctx);
	t.context = ctx.len ? ctx.data : NULL;
	t.context_len = ctx.len;
	score_text_kind(&t, kind, field);
	score_text_run(id, &t, test_cfg(), &r);
	score_text_free(&t);
	abuf_free(&ctx);
	return r;
}

#define INSTR(s) "[{\"name\":\"instruction\",\"text\":\"" s "\"}]"

TEST(task_flags_declines_and_impossible_asks)
{
	struct {
		const char *context, *text;
		double most; /* the value must be at most this (1: clean, at least 1) */
		const char *why;
	} cases[] = {
		{INSTR("Summarize the following article."), "<nooutput>", 0.1, "declines"},
		{INSTR("Sort these numbers."), "No output required.", 0.1, "declines"},
		{INSTR("Describe the painting."),
		 "As a text-based AI, I cannot see paintings, but it is famous.", 0.1, "declines"},
		{INSTR("Design a logo for a bakery called Crumb."), "A round logo with a wheat ear.",
		 0.2, "cannot make"},
		{INSTR("Create a 3D model of a chair."), "Start with four legs.", 0.2, "cannot make"},
		{INSTR("Make a video about recycling."), "Scene one: a bin.", 0.2, "cannot make"},
		{INSTR("Summarize the article at https://example.org/a."), "It is about rain.", 0.25,
		 "not in the input"},
		{INSTR("Proofread the attached file."), "It reads well.", 0.25, "not in the input"},
		{INSTR("What is today's weather in Oslo?"), "Sunny, 12 degrees.", 0.3, "live data"},
		{INSTR("What is the current price of gold?"), "About 2,000 dollars.", 0.3,
		 "live data"},
		/* clean: the article follows, drawing a conclusion is no drawing */
		{"[{\"name\":\"instruction\",\"text\":\"Summarize the following article.\"},"
		 "{\"name\":\"input\",\"text\":\"Rain fell on the city for three days and the river "
		 "rose above the old bridge, so the council closed it to traffic until Friday.\"}]",
		 "Three days of rain closed the old bridge until Friday.", 1, "done"},
		{INSTR("Draw a conclusion from the data: sales rose 5%."), "Sales grew.", 1, "done"},
		{INSTR("What is 2+4?"), "6", 1, "done"},
	};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(cases); i++) {
		score_result r = with_context(SCORE_TASK, cases[i].context, cases[i].text, "", "output");
		if (cases[i].most < 1) {
			CHECK(r.value <= cases[i].most + 1e-9);
			CHECK(r.flagged);
		} else {
			CHECK_NEAR(r.value, 1, 1e-9);
			CHECK(!r.flagged);
		}
		CHECK_CONTAINS(r.reason, cases[i].why);
	}
	/* no prompt: a caption is not judged; a declared response still is */
	CHECK_NEAR(with_context(SCORE_TASK, NULL, "<nooutput>", "", "caption").value, 1, 1e-9);
	CHECK(with_context(SCORE_TASK, NULL, "<nooutput>", "response", "caption").flagged);
}

TEST(artifacts_spare_what_the_prompt_asked_for)
{
	struct {
		const char *context, *text;
		bool flagged;
	} cases[] = {
		{INSTR("Write a letter to a landlord; end with 'let me know if you need anything'."),
		 "Dear Sir, the tap leaks. Let me know if you need anything.", false},
		{INSTR("Write a letter to a landlord about a leak."),
		 "Dear Sir, the tap leaks. Let me know if you need anything.", true},
		{INSTR("Write a short poem about a stubborn robot."),
		 "I can't help, the robot said,\nand turned its shining head.", false},
		{INSTR("Tell me a riddle about time."), "What has hands but no arms?\nAnswer: a clock.",
		 false},
		{INSTR("Write a Python function that prints its input."),
		 "```python\ndef show(x):\n    # Output: x\n    print(x)\n```", false},
		{INSTR("Name the capital of France."), "I can't help with that.", true},
		{NULL, "I can't help, the robot said.", true},
	};
	for (size_t i = 0; i < ASSAY_ARRAY_LEN(cases); i++) {
		score_result r =
		    with_context(SCORE_ARTIFACTS, cases[i].context, cases[i].text, "", "output");
		if (r.flagged != cases[i].flagged)
			printf("#   case %zu: %s\n", i, r.reason);
		CHECK(r.flagged == cases[i].flagged);
	}
}

TEST(declared_kind_wins_over_the_field_name)
{
	/* IIW-P5B holds captions: declared, they get the caption rules */
	const char *md = "A cat:\n\n- on a mat\n- in the sun";
	CHECK(!with_context(SCORE_ARTIFACTS, NULL, md, "", "IIW-P5B").flagged);
	CHECK(with_context(SCORE_ARTIFACTS, NULL, md, "caption", "IIW-P5B").flagged);
	CHECK(with_context(SCORE_LENGTH, NULL, "Six.", "caption", "answer").flagged);
	/* a field called caption, declared a response: short answers and lists are fine */
	CHECK(!with_context(SCORE_LENGTH, NULL, "Six.", "response", "caption").flagged);
	CHECK(!with_context(SCORE_ARTIFACTS, NULL, md, "response", "caption").flagged);
	CHECK(with_context(SCORE_ARTIFACTS, NULL, md, "", "caption").flagged);
	/* gopher: a short answer or a list is a normal response */
	CHECK(!with_context(SCORE_GOPHER, INSTR("What is 2+4?"), "6", "", "output").flagged);
	CHECK(with_context(SCORE_GOPHER, NULL, "6", "text", "output").flagged);
	const char *code = "```python\n# Output: x\n# x\nprint(x)\n```";
	CHECK(!with_context(SCORE_GOPHER, INSTR("Show code."), code, "", "output").flagged);
	CHECK(with_context(SCORE_GOPHER, NULL, code, "text", "output").flagged);
	CHECK(!with_context(SCORE_GOPHER, NULL, "- apples\n- pears\n- plums", "response",
			    "output")
		   .flagged);
}

TEST(judge_rubric_carries_the_context)
{
	abuf out = {0};
	const char ctx[] = "[{\"role\":\"user\",\"text\":\"What is 2+4?\"}]";
	CHECK_INT(score_render_prompt_ctx(score_default_rubric, "6", 1, NULL, 0, ctx,
					  sizeof ctx - 1, &out),
		  0);
	CHECK_CONTAINS(out.data, "What was asked");
	CHECK_CONTAINS(out.data, "user: What is 2+4?");
	CHECK_CONTAINS(out.data, "\"\"\"\n6\n\"\"\"");
	abuf_reset(&out);
	CHECK_INT(score_render_prompt_ctx(score_default_rubric, "6", 1, NULL, 0, NULL, 0, &out), 0);
	CHECK(strstr(out.data, "What was asked") == NULL);
	CHECK(strstr(out.data, "{{") == NULL);
	abuf_reset(&out);
	CHECK_INT(score_render_prompt_ctx("Q: {{context}} | T: {{turns}} | A: {{text}}", "6", 1,
					  NULL, 0, ctx, sizeof ctx - 1, &out),
		  0);
	CHECK_STR(out.data, "Q: user: What is 2+4? | T: [{\"role\":\"user\",\"text\":\"What is "
			    "2+4?\"}] | A: 6");
	abuf_reset(&out);
	CHECK_INT(score_render_prompt_ctx("{{turns}}", "6", 1, NULL, 0, NULL, 0, &out), 0);
	CHECK_STR(out.data, "[]");
	abuf_free(&out);
}

/* score_words_in finds in one pass what score_context_has finds a phrase
 * at a time: on texts built of the phrases, cut, joined by punctuation,
 * in other cases and run together. */
TEST(a_table_of_phrases_is_found_as_one_phrase_at_a_time)
{
	static const char *const needles[] = {
	    "the following article", "the following text", "this video", "draw a picture",
	    "http://", "www.", "today's weather", "a", "i can't draw", "3d model of", "x",
	    "role play", "the", "\xC3\xA9t\xC3\xA9", " lead", "Upper", "character"};
	static const char *const bits[] = {
	    "the", "following", "article", "text", "this", "video", "draw", "a", "picture",
	    "http://", "www.", "today's", "today\xE2\x80\x99s", "weather", "i", "can't", "3d",
	    "model", "of", "x", "role", "play", "roleplay", "\xC3\xA9t\xC3\xA9", "lead",
	    "Upper", "THE", "Following", "characters", "character"};
	static const char *const joins[] = {" ", "  ", "-", ", ", "\n", "", "_", "'", ". "};
	uint64_t x = 12345;
	size_t same = 0, runs = 3000;
	for (size_t r = 0; r < runs; r++) {
		char text[1024];
		size_t o = 0;
		for (size_t w = 0; w < 1 + r % 40; w++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			const char *b = bits[x % ASSAY_ARRAY_LEN(bits)];
			const char *j = joins[(x >> 16) % ASSAY_ARRAY_LEN(joins)];
			if (o + strlen(b) + strlen(j) + 1 >= sizeof text)
				break;
			o += (size_t)sprintf(text + o, "%s%s", b, j);
		}
		score_text t = {.context = text, .context_len = o};
		uint64_t want = 0;
		for (size_t k = 0; k < ASSAY_ARRAY_LEN(needles); k++)
			want |= (uint64_t)score_context_has(&t, needles[k]) << k;
		same += score_words_in(text, o, needles, ASSAY_ARRAY_LEN(needles)) == want;
	}
	CHECK_INT(same, runs);
}

UNIT_MAIN(UNIT_CASE(task_flags_declines_and_impossible_asks),
	  UNIT_CASE(artifacts_spare_what_the_prompt_asked_for),
	  UNIT_CASE(declared_kind_wins_over_the_field_name),
	  UNIT_CASE(judge_rubric_carries_the_context),
	  UNIT_CASE(a_table_of_phrases_is_found_as_one_phrase_at_a_time))
