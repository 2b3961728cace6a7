/* commands.c — the command table: one row per subcommand, its function,
 * its summary for `assay --help` and its option table (opt.h). */
#include "cli.h"

/* In the order `assay --help` lists them. */
const cli_command cli_commands[] = {
	{"import", cmd_import, "import samples from JSONL, JSON or CSV (file, -, URL)",
	 &cli_import_opts},
	{"score", cmd_score, "run the automatic quality scorers (built-in, LLM judge, classifier)",
	 &cli_score_opts},
	{"info", cmd_info, "show batches, counts and scorers in the database", &cli_info_opts},
	{"review", cmd_review, "the review screen: one sample at a time, a decision per key",
	 &cli_review_opts},
	{"decide", cmd_decide, "record decisions from a script (one, or many from JSONL)",
	 &cli_decide_opts},
	{"stats", cmd_stats, "rates by annotator, batch, reason, day, model; agreement; scorers",
	 &cli_stats_opts},
	{"audit", cmd_audit, "the audit dashboard: rejection rates, days, scorers (read-only)",
	 &cli_audit_opts},
	{"report", cmd_report, "the audit as one self-contained HTML file", &cli_report_opts},
	{"export", cmd_export, "write the approved set, corrections applied", &cli_export_opts},
	{"learn", cmd_learn, "train a model of the human verdict from the decisions",
	 &cli_learn_opts},
	{"copy", cmd_copy, "copy a database between SQLite and PostgreSQL, resumable, verified",
	 &cli_copy_opts},
	{"batch", cmd_batch, "change a batch after its import (set-media-root)", &cli_batch_opts},
};

const size_t cli_n_commands = ASSAY_ARRAY_LEN(cli_commands);
