/* test_export.c — tests for src/export/json.c, policy.c and out.c. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "assay/export.h"
#include "unit.h"

static char *rewrite(const char *rec, const char *field, const char *text, const char *prov)
{
	abuf out = {0};
	assay_error e = {0};
	if (export_rewrite(rec, strlen(rec), field, text, prov, &out, &e) < 0) {
		abuf_free(&out);
		return assay_strdup(e.msg);
	}
	return abuf_take(&out);
}

TEST(find_exact_nested_and_escaped_keys)
{
	const char *j = "{ \"a\" : 1, \"meta\": {\"caption\": \"x,}\\\"y\", \"n\": [1, {\"b\": 2}]},"
			" \"meta.caption\": 5, \"k\\u0065y\": true }";
	size_t s, e;
	CHECK_INT(export_json_find(j, strlen(j), "a", &s, &e), ASSAY_OK);
	CHECK(strncmp(j + s, "1", e - s) == 0 && e - s == 1);
	CHECK_INT(export_json_find(j, strlen(j), "meta.n", &s, &e), ASSAY_OK);
	CHECK(strncmp(j + s, "[1, {\"b\": 2}]", e - s) == 0);
	/* the exact key "meta.caption" wins over the nested path */
	CHECK_INT(export_json_find(j, strlen(j), "meta.caption", &s, &e), ASSAY_OK);
	CHECK(strncmp(j + s, "5", e - s) == 0);
	CHECK_INT(export_json_find(j, strlen(j), "key", &s, &e), ASSAY_OK);
	CHECK(strncmp(j + s, "true", e - s) == 0);
	CHECK_INT(export_json_find(j, strlen(j), "missing", &s, &e), ASSAY_ENOTFOUND);
	CHECK_INT(export_json_find(j, strlen(j), "a.b", &s, &e), ASSAY_ENOTFOUND);
	CHECK(export_json_find("{\"a\" 1}", 7, "b", &s, &e) < 0);
}

TEST(json_string_escapes)
{
	abuf b = {0};
	const char raw[] = "q\"b\\n\n\t\x01\x1f\xc3\xa9";
	export_json_string(&b, raw, sizeof raw - 1);
	CHECK_STR(b.data, "\"q\\\"b\\\\n\\n\\t\\u0001\\u001f\xc3\xa9\"");
	abuf_free(&b);
}

TEST(rewrite_keeps_every_other_byte)
{
	char *r = rewrite("{\"id\": 1,  \"t\" :\"old\" , \"z\":[1]}", "t", "new \"x\"", NULL);
	CHECK_STR(r, "{\"id\": 1,  \"t\" :\"new \\\"x\\\"\" , \"z\":[1]}");
	free(r);
	r = rewrite("{\"m\":{\"c\":\"a\"},\"id\":2}", "m.c", "b", NULL);
	CHECK_STR(r, "{\"m\":{\"c\":\"b\"},\"id\":2}");
	free(r);
	r = rewrite("{\"t\":\"x\"} ", "t", NULL, "{\"v\":1}");
	CHECK_STR(r, "{\"t\":\"x\",\"_assay\":{\"v\":1}} ");
	free(r);
	r = rewrite("{\"t\":\"x\"}", "t", "y", "{}");
	CHECK_STR(r, "{\"t\":\"y\",\"_assay\":{}}");
	free(r);
	r = rewrite("{ }", "t", NULL, "{}");
	CHECK_STR(r, "{ \"_assay\":{}}");
	free(r);
	r = rewrite("{\"a\":1}", "t", "y", NULL);
	CHECK_CONTAINS(r, "no field \"t\"");
	free(r);
}

/* A conversation's turn is addressed by array indices; only its value
 * changes, every other byte (spacing, other turns, parts) stays. */
TEST(rewrite_turn_in_conversation)
{
	const char *rec = "{\"messages\": [ {\"role\":\"user\", \"content\":\"2+4? \\\"]\\\"\"} ,"
			  "{\"role\":\"assistant\",\"content\" : \"5\"},"
			  "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"7\"}]}],"
			  " \"n\": 1.50}";
	char *r = rewrite(rec, "messages.1.content", "6", NULL);
	CHECK_STR(r, "{\"messages\": [ {\"role\":\"user\", \"content\":\"2+4? \\\"]\\\"\"} ,"
		     "{\"role\":\"assistant\",\"content\" : \"6\"},"
		     "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"7\"}]}],"
		     " \"n\": 1.50}");
	free(r);
	r = rewrite(rec, "messages.2.content.0.text", "8", NULL);
	CHECK_CONTAINS(r, "[{\"type\":\"text\",\"text\":\"8\"}]}], \"n\": 1.50}");
	CHECK_CONTAINS(r, "\"content\" : \"5\"");
	free(r);
	size_t s, e;
	CHECK_INT(export_json_find(rec, strlen(rec), "messages.3", &s, &e), ASSAY_ENOTFOUND);
	CHECK_INT(export_json_find(rec, strlen(rec), "messages.01.content", &s, &e),
		  ASSAY_ENOTFOUND);
	CHECK_INT(export_json_find(rec, strlen(rec), "messages.0", &s, &e), ASSAY_OK);
	CHECK(rec[s] == '{' && rec[e - 1] == '}');
}

static store_export_row row_of(store_verdict *v, size_t n, store_verdict *adj)
{
	return (store_export_row){.ext_id = "x", .verdicts = v, .n_verdicts = n, .adjudication = adj};
}

TEST(resolution_rules)
{
	store_verdict acc = {.annotator = "a", .verdict = "accepted"};
	store_verdict acc2 = {.annotator = "b", .verdict = "accepted"};
	store_verdict edit = {.annotator = "c", .verdict = "edited", .text = "fixed"};
	store_verdict rej = {.annotator = "d", .verdict = "rejected", .reason = "bias"};
	export_resolution r;
	store_export_row row = row_of(NULL, 0, NULL);
	export_resolve(&row, EXPORT_UNANIMOUS, &r);
	CHECK_INT(r.verdict, EXPORT_UNDECIDED);
	store_verdict two_keep[] = {acc, edit};
	row = row_of(two_keep, 2, NULL);
	export_resolve(&row, EXPORT_UNANIMOUS, &r);
	CHECK_INT(r.verdict, EXPORT_EDITED);
	CHECK_STR(r.text, "fixed");
	export_resolve(&row, EXPORT_LEAD, &r);
	CHECK_INT(r.verdict, EXPORT_CONFLICT);
	store_verdict mixed[] = {acc, acc2, rej};
	row = row_of(mixed, 3, NULL);
	export_resolve(&row, EXPORT_UNANIMOUS, &r);
	CHECK_INT(r.verdict, EXPORT_CONFLICT);
	export_resolve(&row, EXPORT_MAJORITY, &r);
	CHECK_INT(r.verdict, EXPORT_ACCEPTED);
	export_resolve(&row, EXPORT_ANY_REJECT, &r);
	CHECK_INT(r.verdict, EXPORT_REJECTED);
	store_verdict tie[] = {acc, rej};
	row = row_of(tie, 2, NULL);
	export_resolve(&row, EXPORT_MAJORITY, &r);
	CHECK_INT(r.verdict, EXPORT_REJECTED);
	row = row_of(tie, 2, &edit);
	export_resolve(&row, EXPORT_ANY_REJECT, &r);
	CHECK_INT(r.verdict, EXPORT_EDITED);
	CHECK(r.adjudicated);
	store_verdict single[] = {rej};
	row = row_of(single, 1, NULL);
	export_resolve(&row, EXPORT_LEAD, &r);
	CHECK_INT(r.verdict, EXPORT_REJECTED);
	int rule;
	CHECK_INT(export_rule_parse("any-reject", &rule), ASSAY_OK);
	CHECK_INT(rule, EXPORT_ANY_REJECT);
	CHECK_INT(export_rule_parse("most", &rule), ASSAY_EINVAL);
}

TEST(splits_parse_and_pick)
{
	export_split sp[4];
	size_t n;
	assay_error e = {0};
	CHECK_INT(export_split_parse("train=0.9,val=0.1", sp, 4, &n, &e), ASSAY_OK);
	CHECK_INT(n, 2);
	CHECK_STR(sp[1].name, "val");
	CHECK_INT(export_split_parse("a=0.5,b=0.4", sp, 4, &n, &e), ASSAY_EINVAL);
	CHECK_CONTAINS(e.msg, "add up to 1, got 0.9");
	CHECK_INT(export_split_parse("a b=1", sp, 4, &n, &e), ASSAY_EINVAL);
	CHECK_INT(export_split_parse("a=x", sp, 4, &n, &e), ASSAY_EINVAL);
	CHECK_INT(export_split_parse("a=0.2,b=0.2,c=0.2,d=0.2,e=0.2", sp, 4, &n, &e), ASSAY_EINVAL);
	CHECK_INT(export_split_parse("train=0.9,val=0.1", sp, 4, &n, &e), ASSAY_OK);
	int counts[2] = {0};
	char id[32];
	for (int i = 0; i < 10000; i++) {
		snprintf(id, sizeof id, "id-%d", i);
		size_t k = export_split_pick(sp, n, id, 42);
		CHECK(k == export_split_pick(sp, n, id, 42));
		counts[k]++;
	}
	printf("# split of 10000: %d / %d\n", counts[0], counts[1]);
	CHECK(counts[0] > 8800 && counts[0] < 9200);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	if (d)
		closedir(d);
	return n;
}

TEST(atomic_output_commit_and_abort)
{
	char dir[] = "/tmp/assay-out-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[128];
	snprintf(path, sizeof path, "%s/out.jsonl", dir);
	export_out *o;
	assay_error e = {0};
	/* Where the file system has unnamed files, nothing shows in the
	 * directory while writing (a killed export leaves nothing); elsewhere
	 * one hidden temporary file. */
	int probe = open(dir, O_TMPFILE | O_WRONLY, 0600);
	int while_writing = probe >= 0 ? 0 : 1;
	if (probe >= 0)
		close(probe);
	mode_t mask = umask(022);
	CHECK_INT(export_out_open(path, NULL, &o, &e), ASSAY_OK);
	CHECK_INT(export_out_write(o, "hello\n", 6, &e), ASSAY_OK);
	CHECK(access(path, F_OK) != 0); /* nothing at the destination yet */
	CHECK_INT(count_entries(dir), while_writing);
	export_out_abort(o);
	CHECK_INT(count_entries(dir), 0);
	CHECK_INT(export_out_open(path, NULL, &o, &e), ASSAY_OK);
	for (int i = 0; i < 100000; i++)
		export_out_write(o, "0123456789", 10, &e);
	CHECK_INT(count_entries(dir), while_writing);
	CHECK_INT(export_out_commit(o, &e), ASSAY_OK);
	struct stat st;
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_size, 1000000);
	CHECK_INT(st.st_mode & 0777, 0644); /* the usual mode for new files */
	CHECK_INT(count_entries(dir), 1);
	/* over an existing destination: replaced whole, nothing else left */
	CHECK_INT(export_out_open(path, NULL, &o, &e), ASSAY_OK);
	CHECK_INT(export_out_write(o, "new\n", 4, &e), ASSAY_OK);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_size, 1000000); /* the old file until the commit */
	CHECK_INT(export_out_commit(o, &e), ASSAY_OK);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_size, 4);
	CHECK_INT(st.st_mode & 0777, 0644);
	CHECK_INT(count_entries(dir), 1);
	umask(mask);
	unlink(path);
	rmdir(dir);
	snprintf(path, sizeof path, "%s/nope/out.jsonl", dir);
	CHECK_INT(export_out_open(path, NULL, &o, &e), ASSAY_ENOTFOUND);
}

static void touch(const char *dir, const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
}

static bool present(const char *dir, const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* A hidden temporary file no exporter holds (a --split set's file, named
 * and not yet renamed when kill -9 came) is removed by the next export to
 * that destination; one an export still holds, and every other name, is
 * left alone. */
TEST(leftover_temporary_files_are_swept)
{
	char dir[] = "/tmp/assay-sweep-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	static const char *const kept[] = {".out.jsonl.assay-abc12", ".other.jsonl.assay-abc123",
					   "out.jsonl.assay-abc123", ".out.jsonl.assay-ab-123",
					   ".out.jsonl.assay-abc1234"};
	for (size_t i = 0; i < sizeof kept / sizeof *kept; i++)
		touch(dir, kept[i]);
	touch(dir, ".out.jsonl.assay-Left01");
	touch(dir, ".out.jsonl.assay-Held01");
	touch(dir, ".out.jsonl.assay-Fresh1"); /* written just now: maybe another machine's */
	char path[256];
	/* the others were last written an hour ago */
	struct timespec ago[2] = {{time(NULL) - 3600, 0}, {time(NULL) - 3600, 0}};
	for (size_t i = 0; i < sizeof kept / sizeof *kept; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, kept[i]);
		CHECK_INT(utimensat(AT_FDCWD, path, ago, 0), 0);
	}
	snprintf(path, sizeof path, "%s/.out.jsonl.assay-Left01", dir);
	CHECK_INT(utimensat(AT_FDCWD, path, ago, 0), 0);
	snprintf(path, sizeof path, "%s/.out.jsonl.assay-Held01", dir);
	CHECK_INT(utimensat(AT_FDCWD, path, ago, 0), 0);
	snprintf(path, sizeof path, "%s/.out.jsonl.assay-Held01", dir);
	int held = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(held >= 0 && flock(held, LOCK_EX) == 0);
	snprintf(path, sizeof path, "%s/out.jsonl", dir);
	export_out *o;
	assay_error e = {0};
	CHECK_INT(export_out_open(path, NULL, &o, &e), ASSAY_OK);
	CHECK(!present(dir, ".out.jsonl.assay-Left01"));
	CHECK(present(dir, ".out.jsonl.assay-Held01"));
	CHECK(present(dir, ".out.jsonl.assay-Fresh1"));
	for (size_t i = 0; i < sizeof kept / sizeof *kept; i++)
		CHECK(present(dir, kept[i]));
	CHECK_INT(export_out_write(o, "x\n", 2, &e), ASSAY_OK);
	close(held); /* the holder ends: its file is a leftover now */
	export_out_abort(o);
	CHECK_INT(export_out_open(path, NULL, &o, &e), ASSAY_OK);
	CHECK(!present(dir, ".out.jsonl.assay-Held01"));
	CHECK_INT(export_out_commit(o, &e), ASSAY_OK);
	CHECK_INT(count_entries(dir), 2 + (int)(sizeof kept / sizeof *kept));
	unit_remove_dir(dir);
}

/* A pair by its preferences: a against b is a conflict though both are
 * accepts; a against a corrected a is the correction. */
TEST(pair_resolution_by_preference)
{
	store_verdict a = {.annotator = "a", .verdict = "accepted", .pref = STORE_PREF_A};
	store_verdict b = {.annotator = "b", .verdict = "accepted", .pref = STORE_PREF_B};
	store_verdict a_fixed = {.annotator = "c", .verdict = "edited", .text = "fixed",
				 .pref = STORE_PREF_A};
	store_verdict bad = {.annotator = "d", .verdict = "rejected", .pref = STORE_PREF_BOTH_BAD};
	export_resolution r;
	store_verdict ab[] = {a, b};
	store_export_row row = row_of(ab, 2, NULL);
	export_resolve(&row, EXPORT_UNANIMOUS, &r);
	CHECK_INT(r.verdict, EXPORT_CONFLICT);
	export_resolve(&row, EXPORT_MAJORITY, &r);
	CHECK_INT(r.verdict, EXPORT_CONFLICT);
	store_verdict aa[] = {a, a_fixed};
	row = row_of(aa, 2, NULL);
	export_resolve(&row, EXPORT_UNANIMOUS, &r);
	CHECK_INT(r.verdict, EXPORT_EDITED);
	CHECK_STR(r.text, "fixed");
	store_verdict aab[] = {a, a_fixed, b};
	row = row_of(aab, 3, NULL);
	export_resolve(&row, EXPORT_MAJORITY, &r);
	CHECK_INT(r.verdict, EXPORT_EDITED);
	export_resolve(&row, EXPORT_UNANIMOUS, &r);
	CHECK_INT(r.verdict, EXPORT_CONFLICT);
	store_verdict a_bad[] = {a, bad};
	row = row_of(a_bad, 2, NULL);
	export_resolve(&row, EXPORT_UNANIMOUS, &r);
	CHECK_INT(r.verdict, EXPORT_CONFLICT);
	export_resolve(&row, EXPORT_ANY_REJECT, &r);
	CHECK_INT(r.verdict, EXPORT_REJECTED);
	store_verdict bb[] = {bad, bad};
	row = row_of(bb, 2, NULL);
	export_resolve(&row, EXPORT_UNANIMOUS, &r);
	CHECK_INT(r.verdict, EXPORT_REJECTED);
	store_verdict one[] = {b};
	row = row_of(one, 1, NULL);
	export_resolve(&row, EXPORT_LEAD, &r);
	CHECK_INT(r.verdict, EXPORT_ACCEPTED);
}

UNIT_MAIN(UNIT_CASE(find_exact_nested_and_escaped_keys), UNIT_CASE(json_string_escapes),
	  UNIT_CASE(rewrite_keeps_every_other_byte), UNIT_CASE(rewrite_turn_in_conversation),
	  UNIT_CASE(resolution_rules), UNIT_CASE(pair_resolution_by_preference),
	  UNIT_CASE(splits_parse_and_pick),
	  UNIT_CASE(atomic_output_commit_and_abort), UNIT_CASE(leftover_temporary_files_are_swept))
