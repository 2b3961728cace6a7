/* out_int.h — the output handle shared by out.c (opening, writing) and
 * out_set.c (committing one output or a set of them). */
#ifndef ASSAY_EXPORT_OUT_INT_H
#define ASSAY_EXPORT_OUT_INT_H

#include <sys/stat.h>

#include "assay/export.h"

#define OUT_BUF (256u << 10)
/* A file's bytes are handed to the disk every this many as they are
 * written (Linux: sync_file_range), so the fsync at the commit waits for
 * the last few megabytes, not for the whole file (~0.4 s at 440 MB). */
#define OUT_WRITEBACK (8 << 20)
/* The characters of a hidden name's random suffix (mkstemp's, and ours
 * when a linked name is made again: out_set.c). */
#define OUT_TMP_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

enum out_kind {
	OUT_STREAM, /* stdout, a FIFO, a character device, a socket: written directly */
	OUT_ANON,   /* an unnamed O_TMPFILE file, named at the commit */
	OUT_NAMED,  /* a hidden temporary file (tmp) from the start */
};

struct export_out {
	char *path;   /* as given, for messages */
	char *target; /* where a file lands: path with its last component's links followed */
	char *tmp;    /* the hidden name ".BASE.assay-XXXXXX" beside target */
	int kind;     /* enum out_kind */
	bool staged;  /* tmp names the complete, synced file (to rename or remove) */
	bool existed; /* target existed when opened: was holds its mode and owner */
	bool to_stdout; /* "-": fd is the process's standard output, never closed here */
	struct stat was;
	export_out_options opt;
	volatile sig_atomic_t *stop;
	int fd;
	off_t written; /* bytes of a file written so far */
	off_t flushed; /* of which the disk was asked to write (OUT_WRITEBACK) */
	size_t len;
	char buf[OUT_BUF];
};

/* A failure of what on o as an error value (disk full, interrupted, ...). */
int export_out_error(const export_out *o, int e, const char *what, assay_error *err);
/* Writes p[0..len) to fd whole (short writes and EINTR retried unless stopped). */
int export_out_write_fd(const export_out *o, int fd, const char *p, size_t len,
			assay_error *err);
int export_out_flush(export_out *o, assay_error *err);
/* Gives fd the mode and owner of the file it replaces (or the usual mode). */
void export_out_set_mode(const export_out *o, int fd);
void export_out_free(export_out *o);
/* Removes the hidden temporary files of base in dir that no exporter
 * holds any more (left by a killed export); see out_tmp.c. */
void export_out_sweep(const char *dir, const char *base);
/* Takes fd's exclusive lock, held until the file is closed (where the
 * file system has flock). */
void export_out_hold(int fd);
/* mkstemp(tmp) whose file is held (export_out_hold); -1 and errno on failure. */
int export_out_mkstemp(char *tmp);
/* A failure closing fd would report (a network file system's deferred
 * write error), seen by closing a duplicate: fd stays open, and held. */
int export_out_close_check(const export_out *o, int fd, assay_error *err);

#endif
