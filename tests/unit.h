/* unit.h — the unit-test harness: TEST(name) defines a case, CHECK* macros
 * record failures, UNIT_MAIN() runs every case and prints one TAP-style line
 * per case ("ok 3 - name" / "not ok 3 - name"), which tests/run counts.
 * Usage: define cases with TEST(), then list them once in UNIT_MAIN(...). */
#ifndef ASSAY_UNIT_H
#define ASSAY_UNIT_H

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int unit_failed_;

/* Removes an SQLite file and its -wal, -shm and -journal companions. */
static inline void unit_remove_db(const char *db)
{
	const char *suffix[] = {"", "-wal", "-shm", "-journal"};
	char p[512];
	for (size_t k = 0; k < sizeof suffix / sizeof *suffix; k++) {
		snprintf(p, sizeof p, "%s%s", db, suffix[k]);
		unlink(p);
	}
}

/* Removes a directory with the files in it (not its subdirectories). */
static inline void unit_remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	rmdir(dir);
}

#define TEST(name) static void name(void)

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("#   %s:%d: CHECK(%s) failed\n", __FILE__,     \
			       __LINE__, #cond);                               \
			unit_failed_ = 1;                                      \
		}                                                              \
	} while (0)

#define CHECK_INT(got, want)                                                   \
	do {                                                                   \
		long long g_ = (long long)(got), w_ = (long long)(want);       \
		if (g_ != w_) {                                                \
			printf("#   %s:%d: %s == %lld, expected %lld\n",       \
			       __FILE__, __LINE__, #got, g_, w_);              \
			unit_failed_ = 1;                                      \
		}                                                              \
	} while (0)

#define CHECK_NEAR(got, want, tol)                                             \
	do {                                                                   \
		double g_ = (double)(got), w_ = (double)(want);                \
		if (!(fabs(g_ - w_) <= (tol))) {                               \
			printf("#   %s:%d: %s == %.9g, expected %.9g (+-%g)\n", \
			       __FILE__, __LINE__, #got, g_, w_, (double)(tol)); \
			unit_failed_ = 1;                                      \
		}                                                              \
	} while (0)

#define CHECK_STR(got, want)                                                   \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		if (!g_ || !w_ || strcmp(g_, w_) != 0) {                       \
			printf("#   %s:%d: %s == \"%s\", expected \"%s\"\n",   \
			       __FILE__, __LINE__, #got, g_ ? g_ : "(null)",   \
			       w_ ? w_ : "(null)");                            \
			unit_failed_ = 1;                                      \
		}                                                              \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                            \
	do {                                                                   \
		const char *h_ = (hay), *n_ = (needle);                        \
		if (!h_ || !strstr(h_, n_)) {                                  \
			printf("#   %s:%d: %s == \"%s\", expected to contain " \
			       "\"%s\"\n",                                     \
			       __FILE__, __LINE__, #hay, h_ ? h_ : "(null)",   \
			       n_);                                            \
			unit_failed_ = 1;                                      \
		}                                                              \
	} while (0)

typedef struct {
	const char *name;
	void (*fn)(void);
} unit_case_;

static inline int unit_run_(const unit_case_ *cases, size_t n, int argc,
			    char **argv)
{
	int failures = 0;
	printf("1..%zu\n", n);
	for (size_t i = 0; i < n; i++) {
		if (argc > 1 && !strstr(cases[i].name, argv[1])) {
			printf("ok %zu - %s # SKIP filtered\n", i + 1,
			       cases[i].name);
			continue;
		}
		unit_failed_ = 0;
		fflush(stdout);
		cases[i].fn();
		printf("%s %zu - %s\n", unit_failed_ ? "not ok" : "ok", i + 1,
		       cases[i].name);
		fflush(stdout);
		failures += unit_failed_;
	}
	return failures ? 1 : 0;
}

#define UNIT_CASE(fn) {#fn, fn}
#define UNIT_MAIN(...)                                                         \
	int main(int argc, char **argv)                                        \
	{                                                                      \
		static const unit_case_ cases_[] = {__VA_ARGS__};              \
		return unit_run_(cases_, sizeof cases_ / sizeof cases_[0],    \
				 argc, argv);                                  \
	}

#endif
