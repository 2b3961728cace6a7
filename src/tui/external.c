/* external.c — editing a sample in $VISUAL / $EDITOR: a private 0600 temp
 * file, the editor run without a shell with curses suspended, the result
 * read back, checked and cleaned up. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "editor.h"
#include "view.h"

#define FILE_NAME "sample.txt"

/* ---- Splitting $EDITOR -------------------------------------------------- */

static int push_word(char ***v, size_t *n, size_t *cap, abuf *w)
{
	/* room for the word and the NULL that ends the vector */
	if (ASSAY_GROW(*v, *n + 3, *cap, 8) < 0)
		return ASSAY_ENOMEM;
	char *s = abuf_take(w);
	if (!s)
		return ASSAY_ENOMEM;
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
	return ASSAY_OK;
}

/* Appends the character after a backslash at *i inside "..." (only \" and
 * \\ are escapes there) or outside quotes (any character). */
static int put_escaped(const char *cmd, size_t *i, char quote, abuf *w)
{
	char next = cmd[*i + 1];
	if (next == '\0' || (quote == '"' && next != '"' && next != '\\'))
		return abuf_putc(w, '\\');
	(*i)++;
	return abuf_putc(w, next);
}

int tui_split_command(const char *cmd, char ***argv, size_t *argc, assay_error *err)
{
	char **v = NULL;
	size_t n = 0, cap = 0;
	abuf w = {0};
	bool in_word = false;
	char quote = 0;
	int rc = ASSAY_OK;
	for (size_t i = 0; cmd[i] && rc == ASSAY_OK; i++) {
		char c = cmd[i];
		if (quote && c == quote) {
			quote = 0;
		} else if (quote == '\'') {
			rc = abuf_putc(&w, c);
		} else if (c == '\\') {
			rc = put_escaped(cmd, &i, quote, &w);
			in_word = true;
		} else if (quote) {
			rc = abuf_putc(&w, c);
		} else if (c == ' ' || c == '\t' || c == '\n') {
			if (in_word)
				rc = push_word(&v, &n, &cap, &w);
			in_word = false;
		} else if (c == '\'' || c == '"') {
			quote = c;
			in_word = true;
			rc = abuf_append(&w, "", 0); /* "" is an empty argument */
		} else {
			rc = abuf_putc(&w, c);
			in_word = true;
		}
	}
	if (rc == ASSAY_OK && quote)
		rc = assay_fail(err, ASSAY_EINVAL, "unterminated %c quote in editor command \"%s\"",
				quote, cmd);
	else if (rc == ASSAY_OK && in_word)
		rc = push_word(&v, &n, &cap, &w);
	if (rc == ASSAY_OK && n == 0)
		rc = assay_fail(err, ASSAY_EINVAL, "the editor command is empty");
	abuf_free(&w);
	if (rc < 0) {
		if (rc == ASSAY_ENOMEM)
			assay_fail(err, rc, "out of memory splitting the editor command");
		tui_argv_free(v);
		return rc;
	}
	*argv = v;
	if (argc)
		*argc = n;
	return ASSAY_OK;
}

void tui_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}

/* ---- The temp file ------------------------------------------------------ */

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t k = write(fd, s, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		s += k;
		n -= (size_t)k;
	}
	return 0;
}

static int make_file(char *dir, size_t dirsz, char *path, size_t pathsz, const char *text,
		     size_t len, assay_error *err)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(dir, dirsz, "%s/assay-edit-XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		int e = errno;
		dir[0] = '\0';
		return assay_fail(err, ASSAY_EIO, "cannot create a temporary directory in %s: %s",
				  tmp, strerror(e));
	}
	snprintf(path, pathsz, "%s/" FILE_NAME, dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return assay_fail(err, ASSAY_EIO, "cannot create %s: %s", path, strerror(errno));
	int bad = fchmod(fd, 0600) < 0 || write_all(fd, text, len) < 0;
	int e = errno;
	if (close(fd) < 0 && !bad) {
		bad = 1;
		e = errno;
	}
	if (bad)
		return assay_fail(err, ASSAY_EIO, "cannot write %s: %s", path, strerror(e));
	return ASSAY_OK;
}

/* Removes everything in our private directory (the file, and whatever
 * backup or swap files the editor left), then the directory. */
static void remove_dir(const char *dir)
{
	if (!dir[0])
		return;
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
}

static int read_back(const char *path, abuf *out, assay_error *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return assay_fail(err, ASSAY_EIO, "cannot read the edited file back: %s",
				  strerror(errno));
	char buf[65536];
	int rc = ASSAY_OK;
	for (;;) {
		ssize_t k = read(fd, buf, sizeof buf);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = assay_fail(err, ASSAY_EIO, "cannot read the edited file back: %s",
					strerror(errno));
			break;
		}
		if (k == 0)
			break;
		if (out->len + (size_t)k > TUI_EXTERNAL_MAX) {
			rc = assay_fail(
			    err, ASSAY_EFORMAT,
			    "the edited text is larger than %u MiB; sample left unchanged",
			    TUI_EXTERNAL_MAX >> 20);
			break;
		}
		if ((rc = abuf_append(out, buf, (size_t)k)) < 0) {
			assay_fail(err, rc, "out of memory reading the edited file");
			break;
		}
	}
	close(fd);
	return rc;
}

/* ---- Running the editor -------------------------------------------------- */

/* Forks and execs argv (no shell); the child reports an exec failure's
 * errno through a close-on-exec pipe, so "not found" is told apart from an
 * editor that exits 127. Returns the wait status, or -1 with *exec_errno. */
static int spawn(char **argv, int *exec_errno)
{
	int pfd[2];
	*exec_errno = 0;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		*exec_errno = errno;
		return -1;
	}
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		close(pfd[0]);
		execvp(argv[0], argv);
		int e = errno;
		(void)!write(pfd[1], &e, sizeof e);
		_exit(127);
	}
	int status = -1;
	close(pfd[1]);
	if (pid < 0) {
		*exec_errno = errno;
	} else {
		int e;
		ssize_t k;
		while ((k = read(pfd[0], &e, sizeof e)) < 0 && errno == EINTR)
			;
		if (k == (ssize_t)sizeof e)
			*exec_errno = e;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	close(pfd[0]);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return *exec_errno ? -1 : status;
}

/* Runs the editor on path with curses suspended; maps failures to errors. */
static int run_editor(char **argv, size_t argc, const char *path, assay_error *err)
{
	argv[argc] = (char *)path; /* the spare slot tui_split_command left */
	argv[argc + 1] = NULL;
	bool curses = tui_suspend();
	int exec_errno;
	int status = spawn(argv, &exec_errno);
	tui_resume(curses);
	argv[argc] = NULL;
	if (status < 0)
		return assay_fail(err, ASSAY_ENOTFOUND, "cannot run the editor \"%s\": %s", argv[0],
				  strerror(exec_errno));
	if (WIFSIGNALED(status))
		return assay_fail(
		    err, ASSAY_ECONFLICT,
		    "the editor \"%s\" was killed by signal %d; sample left unchanged", argv[0],
		    WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		return assay_fail(err, ASSAY_ECONFLICT,
				  "the editor \"%s\" exited with status %d; sample left unchanged",
				  argv[0], WEXITSTATUS(status));
	return ASSAY_OK;
}

/* Checks the edited text and decides whether it changed. */
static int judge(const char *text, size_t len, abuf *got, char **out, size_t *out_len,
		 bool *changed, assay_error *err)
{
	/* Editors end the file with a newline; one the text did not have is
	 * not part of the edit. */
	if (got->len && got->data[got->len - 1] == '\n' && (len == 0 || text[len - 1] != '\n'))
		got->data[--got->len] = '\0';
	/* Unchanged is checked first: a sample that held invalid bytes and was
	 * left alone is no edit, not an error. */
	*changed = got->len != len || (len && memcmp(got->data, text, len) != 0);
	if (!*changed)
		return ASSAY_OK;
	size_t bad;
	if (!text_utf8_valid(got->data ? got->data : "", got->len, &bad)) {
		*changed = false;
		return assay_fail(
		    err, ASSAY_EFORMAT,
		    "the edited text is not valid UTF-8 (byte %zu); sample left unchanged", bad);
	}
	if (out_len)
		*out_len = got->len;
	*out = abuf_take(got);
	if (!*out) {
		*changed = false;
		return assay_fail(err, ASSAY_ENOMEM, "out of memory");
	}
	return ASSAY_OK;
}

int tui_external_edit(const char *text, size_t len, char **out, size_t *out_len, bool *changed,
		      assay_error *err)
{
	*out = NULL;
	*changed = false;
	if (out_len)
		*out_len = 0;
	const char *cmd = getenv("VISUAL");
	if (!cmd || !*cmd)
		cmd = getenv("EDITOR");
	if (!cmd || !*cmd)
		cmd = "vi";
	char **argv;
	size_t argc;
	int rc = tui_split_command(cmd, &argv, &argc, err);
	if (rc < 0)
		return rc;
	char dir[4096], path[4200];
	abuf got = {0};
	rc = make_file(dir, sizeof dir, path, sizeof path, text, len, err);
	if (rc == ASSAY_OK)
		rc = run_editor(argv, argc, path, err);
	if (rc == ASSAY_OK)
		rc = read_back(path, &got, err);
	if (rc == ASSAY_OK)
		rc = judge(text, len, &got, out, out_len, changed, err);
	remove_dir(dir);
	abuf_free(&got);
	tui_argv_free(argv);
	return rc;
}
