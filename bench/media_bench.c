/* media_bench.c — what showing a picture costs: a cold decode (a new
 * limited child, no thumbnail cache) of a still and of a video strip, the
 * thumbnail cache's answer, and drawing as cells; wall and CPU time (the
 * child's and this process's) and the child's peak memory.
 * Usage: media_bench STILL VIDEO [ROUNDS] — prints Markdown table rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "assay/media.h"

typedef struct run {
	double wall, child_cpu, self_cpu;
	long rss_kb;
} run;

static double self_cpu_ms(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static int by_wall(const void *a, const void *b)
{
	double x = ((const run *)a)->wall, y = ((const run *)b)->wall;
	return x < y ? -1 : x > y;
}

static void report(const char *what, run *r, int n)
{
	qsort(r, (size_t)n, sizeof *r, by_wall);
	double cpu = 0, self = 0;
	long rss = 0;
	for (int i = 0; i < n; i++) {
		cpu += r[i].child_cpu;
		self += r[i].self_cpu;
		rss = r[i].rss_kb > rss ? r[i].rss_kb : rss;
	}
	char peak[32] = "-";
	if (rss)
		snprintf(peak, sizeof peak, "%.1f", (double)rss / 1024);
	printf("| %s | %.1f | %.1f | %.1f | %.1f | %s |\n", what, r[n / 2].wall, r[n - 1].wall,
	       cpu / n, self / n, peak);
}

/* Decodes path rounds times (cached: through a thumbnail cache in dir,
 * after one filling decode). */
static int bench(const char *what, const char *path, int count, const char *dir, int rounds)
{
	media_request req = {.max_w = 320,
			     .max_h = 240,
			     .first = 0,
			     .count = count,
			     .total = count,
			     .limits = {.timeout_ms = 30000}};
	run *r = calloc((size_t)rounds, sizeof *r);
	assay_error err = {0};
	media_decoded d;
	if (dir && media_decode_cached(path, NULL, &req, dir, 0, &d, &err) == 0)
		media_decoded_free(&d);
	for (int i = 0; i < rounds; i++) {
		double c0 = self_cpu_ms();
		int64_t t0 = assay_mono_ns();
		int rc = dir ? media_decode_cached(path, NULL, &req, dir, 0, &d, &err)
			     : media_decode(path, &req, &d, &err);
		if (rc != 0) {
			fprintf(stderr, "%s\n", err.msg);
			free(r);
			return 1;
		}
		r[i] = (run){.wall = (double)(assay_mono_ns() - t0) / 1e6,
			     .child_cpu = d.child_cpu_ms,
			     .self_cpu = self_cpu_ms() - c0,
			     .rss_kb = d.child_maxrss_kb};
		media_decoded_free(&d);
	}
	report(what, r, rounds);
	free(r);
	return 0;
}

/* Draws the still's thumbnail as 60 x 20 cells in true colour. */
static int bench_cells(const char *path, int rounds)
{
	media_decoded d;
	assay_error err = {0};
	media_request req = {.max_w = 320, .max_h = 240};
	if (media_decode(path, &req, &d, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	run *r = calloc((size_t)rounds, sizeof *r);
	for (int i = 0; i < rounds; i++) {
		media_cells c;
		double c0 = self_cpu_ms();
		int64_t t0 = assay_mono_ns();
		media_cells_render(&d.frames[0], 60, 20, MEDIA_COLORS_TRUE, &c, &err);
		r[i] = (run){.wall = (double)(assay_mono_ns() - t0) / 1e6,
			     .self_cpu = self_cpu_ms() - c0};
		media_cells_free(&c);
	}
	report("still as 60x20 cells (libchafa, true colour)", r, rounds);
	media_decoded_free(&d);
	free(r);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: media_bench STILL VIDEO [ROUNDS]\n");
		return 2;
	}
	int rounds = argc > 3 ? atoi(argv[3]) : 20;
	char dir[] = "/tmp/assay-media-bench-XXXXXX";
	if (rounds < 1 || !mkdtemp(dir))
		return 2;
	printf("| step | p50 ms | max ms | child CPU ms | parent CPU ms | child peak MiB |\n");
	printf("|---|---|---|---|---|---|\n");
	int rc = bench("cold still (fork, decode, scale to 320x240)", argv[1], 1, NULL, rounds);
	rc |= bench("cold video strip, 4 frames decoded exactly", argv[2], 4, NULL, rounds);
	rc |= bench("still from the thumbnail cache", argv[1], 1, dir, rounds);
	rc |= bench("4-frame strip from the thumbnail cache", argv[2], 4, dir, rounds);
	rc |= bench_cells(argv[1], rounds);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
