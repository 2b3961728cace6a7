/* replay.c — runs one fuzz target's LLVMFuzzerTestOneInput over every file
 * of the corpus folders given, without libFuzzer: built in every build, so
 * the normal suite (and the sanitizer build in CI) replays the seeds and
 * every input that once crashed. One TAP line per folder. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Reads a whole file into an exact-size allocation (so the sanitizers see
 * any read past its end). Caller frees. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct stat st;
	uint8_t *buf = NULL;
	if (fstat(fileno(f), &st) == 0 && (buf = malloc(st.st_size ? (size_t)st.st_size : 1)))
		*len = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	return buf;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every regular file of dir, in name order; returns how many. */
static long replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof *names);
			if (!names)
				abort();
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	long done = 0;
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		size_t len = 0;
		uint8_t *buf = slurp(path, &len);
		if (buf) {
			/* Named first, so a crash says which input it was. */
			fprintf(stderr, "replaying %s (%zu bytes)\n", path, len);
			LLVMFuzzerTestOneInput(buf, len);
			free(buf);
			done++;
		}
		free(names[i]);
	}
	free(names);
	return done;
}

int main(int argc, char **argv)
{
	printf("1..%d\n", argc - 1);
	int bad = 0;
	for (int i = 1; i < argc; i++) {
		long k = replay_dir(argv[i]);
		const char *base = strrchr(argv[i], '/');
		base = base ? base + 1 : argv[i];
		if (k > 0)
			printf("ok %d - corpus %s: %ld inputs replayed\n", i, base, k);
		else {
			printf("not ok %d - corpus %s: no inputs\n", i, base);
			bad = 1;
		}
	}
	return bad;
}
