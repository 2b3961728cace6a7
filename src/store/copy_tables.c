/* copy_tables.c — the tables `assay copy` moves, in the order their
 * references allow (a row's referenced rows are always copied before it),
 * with each table's queries, one text for both engines. A new table or
 * column of the schema needs its row here (tests/store/test_copy.c checks
 * the list against a new store's tables and columns). */
#include "copy_int.h"

const copy_table copy_tables[] = {
	{"batches", "ittttttiiiiiittttttttt", 0, true},
	{"annotators", "iti", 0, true},
	{"samples", "iititttitr", 0, true},
	{"sample_quality", "iir", 0, false},
	{"duplicates", "itii", 3, false},
	{"rejects", "itit", 0, false},
	{"score_cache", "iirti", 0, false},
	{"scorers", "it", 0, false},
	{"score_forms", "it", 0, false},
	{"scorer_versions", "iit", 0, true},
	{"sample_scores", "iiriFV", 0, false},
	{"score_notes", "iNM", 0, false},
	{"pairs", "itttttttti", 0, false},
	{"pair_scores", "itrittti", 0, false},
	{"events", "iiittttiiittt", 0, true},
	{"decisions", "iitttiiiiitt", 0, false},
	{"adjudications", "iitttiit", 0, false},
	{"leases", "iii", 0, false},
	{"models", "itiiitb", 0, true},
	{"edit_scores", "itrittii", 0, false},
	{"spotchecks", "itttiirii", 0, true},
	{"spotcheck_samples", "ii", 0, false},
	{"neardup_index", "iti", 0, false},
	{"neardup", "ibiiiii", 0, false},
	{"neardup_bands", "iib", 0, false},
};

static const dbi_query q_read[] = {
	{"copy_read_batches",
	 "SELECT id, name, source, format, text_field, id_field, meta_fields, "
	 "created_at, finished_at, n_read, n_imported, n_duplicate, n_rejected, "
	 "kind, context_fields, dedup_on, turn, media_fields, media_root, "
	 "media_maps, pair_fields, pair_model_fields FROM batches WHERE id > ?1 "
	 "ORDER BY id",
	 NULL},
	{"copy_read_annotators",
	 "SELECT id, name, first_seen FROM annotators WHERE id > ?1 ORDER BY id",
	 NULL},
	{"copy_read_samples",
	 "SELECT id, batch_id, ext_id, line, text_field, text, record, hash, "
	 "context, edit_quality FROM samples WHERE id > ?1 ORDER BY id",
	 NULL},
	{"copy_read_sample_quality",
	 "SELECT sample_id, batch_id, quality FROM sample_quality WHERE sample_id > ?1 "
	 "ORDER BY sample_id",
	 NULL},
	{"copy_read_duplicates",
	 "SELECT batch_id, ext_id, line, sample_id FROM duplicates WHERE "
	 "sample_id > ?1 ORDER BY sample_id, batch_id, ext_id",
	 NULL},
	{"copy_read_rejects",
	 "SELECT batch_id, source, line, reason FROM rejects WHERE batch_id > ?1 "
	 "ORDER BY batch_id, source, line",
	 NULL},
	{"copy_read_score_cache",
	 "SELECT config_hash, text_hash, value, reason, created_at FROM "
	 "score_cache WHERE config_hash > ?1 ORDER BY config_hash, text_hash",
	 NULL},
	{"copy_read_scorers",
	 "SELECT slot, name FROM scorers WHERE slot > ?1 ORDER BY slot",
	 NULL},
	{"copy_read_score_forms",
	 "SELECT id, form FROM score_forms WHERE id > ?1 ORDER BY id",
	 NULL},
	{"copy_read_scorer_versions",
	 "SELECT id, slot, version FROM scorer_versions WHERE id > ?1 ORDER BY "
	 "id",
	 NULL},
	/* PostgreSQL's arrays (copy_scores.c): the values and versions as
	 * their text, the notes packed as SQLite's blob in slot order */
	{"copy_read_sample_scores",
	 "SELECT sample_id, flags, learned, scored_at, vals, vers FROM "
	 "sample_scores WHERE sample_id > ?1 ORDER BY sample_id",
	 "SELECT sample_id, flags, learned, scored_at, vals::text, vers::text FROM "
	 "sample_scores WHERE sample_id > $1 ORDER BY sample_id"},
	{"copy_read_score_notes",
	 "SELECT sample_id, note_plain(notes), note_plain(notes) FROM score_notes"
	 " WHERE sample_id > ?1 ORDER BY "
	 "sample_id",
	 "SELECT sample_id, n, n FROM (SELECT sample_id, coalesce((SELECT "
	 "string_agg(decode(lpad(to_hex(i - 1), 2, '0'), 'hex') || "
	 "convert_to(coalesce(r, ''), 'UTF8') || '\\x00'::bytea || "
	 "convert_to(coalesce(d, ''), 'UTF8') || '\\x00'::bytea, ''::bytea ORDER BY i) "
	 "FROM unnest(reasons, details) WITH ORDINALITY AS u(r, d, i) "
	 "WHERE r IS NOT NULL OR d IS NOT NULL), ''::bytea) AS n "
	 "FROM score_notes WHERE sample_id > $1) x ORDER BY sample_id"},
	{"copy_read_pairs",
	 "SELECT sample_id, a_field, b_field, b_text, a_model, b_model, "
	 "a_model_field, b_model_field, claimed, chat FROM pairs WHERE sample_id "
	 "> ?1 ORDER BY sample_id",
	 NULL},
	{"copy_read_pair_scores",
	 "SELECT sample_id, scorer, value, flagged, reason, version, detail, "
	 "scored_at FROM pair_scores WHERE sample_id > ?1 ORDER BY sample_id, "
	 "scorer",
	 NULL},
	{"copy_read_events",
	 "SELECT id, sample_id, annotator_id, kind, verdict, text, reason, "
	 "undoes, at, ms_spent, session, pref, placement FROM events WHERE id > "
	 "?1 ORDER BY id",
	 NULL},
	{"copy_read_decisions",
	 "SELECT sample_id, annotator_id, verdict, text, reason, event_id, "
	 "decided_at, ms_spent, edit_distance, words, pref, placement FROM "
	 "decisions WHERE sample_id > ?1 ORDER BY sample_id, annotator_id",
	 NULL},
	{"copy_read_adjudications",
	 "SELECT sample_id, annotator_id, verdict, text, reason, event_id, "
	 "decided_at, pref FROM adjudications WHERE sample_id > ?1 ORDER BY "
	 "sample_id",
	 NULL},
	{"copy_read_leases",
	 "SELECT sample_id, annotator_id, expires_at FROM leases WHERE sample_id "
	 "> ?1 ORDER BY sample_id, annotator_id",
	 NULL},
	{"copy_read_models",
	 "SELECT id, name, created_at, n_rejected, n_kept, info, model FROM "
	 "models WHERE id > ?1 ORDER BY id",
	 NULL},
	{"copy_read_edit_scores",
	 "SELECT sample_id, scorer, value, flagged, reason, version, text_hash, "
	 "scored_at FROM edit_scores WHERE sample_id > ?1 ORDER BY sample_id, "
	 "scorer",
	 NULL},
	{"copy_read_spotchecks",
	 "SELECT id, where_text, verdict, reason, annotator_id, seed, "
	 "max_disagree, created_at, applied_at FROM spotchecks WHERE id > ?1 "
	 "ORDER BY id",
	 NULL},
	{"copy_read_spotcheck_samples",
	 "SELECT spotcheck_id, sample_id FROM spotcheck_samples WHERE "
	 "spotcheck_id > ?1 ORDER BY spotcheck_id, sample_id",
	 NULL},
	{"copy_read_neardup_index",
	 "SELECT id, version, upto FROM neardup_index WHERE id > ?1 ORDER BY id", NULL},
	{"copy_read_neardup",
	 "SELECT sample_id, sig, cluster, via, agree_of, agree_max, size FROM "
	 "neardup WHERE sample_id > ?1 ORDER BY sample_id",
	 NULL},
	{"copy_read_neardup_bands",
	 "SELECT id, last, entries FROM neardup_bands WHERE id > ?1 ORDER BY id",
	 NULL},
};

static const dbi_query q_insert[] = {
	{"copy_insert_batches",
	 "INSERT INTO batches (id, name, source, format, text_field, id_field, "
	 "meta_fields, created_at, finished_at, n_read, n_imported, n_duplicate, "
	 "n_rejected, kind, context_fields, dedup_on, turn, media_fields, "
	 "media_root, media_maps, pair_fields, pair_model_fields) VALUES (?1, "
	 "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
	 "?17, ?18, ?19, ?20, ?21, ?22)",
	 NULL},
	{"copy_insert_annotators",
	 "INSERT INTO annotators (id, name, first_seen) VALUES (?1, ?2, ?3)",
	 NULL},
	/* SQLite stores the text once (schema.c): its place in the record
	 * when its bytes appear there (p > 0), else the text itself */
	{"copy_insert_samples",
	 "INSERT INTO samples (id, batch_id, ext_id, line, text_field, stored_text, "
	 "record, hash, context, edit_quality, text_at, text_len) "
	 "SELECT ?1, ?2, ?3, ?4, ?5, CASE WHEN p > 0 THEN '' ELSE ?6 END, ?7, ?8, "
	 "?9, ?10, CASE WHEN p > 0 THEN p - 1 END, "
	 "CASE WHEN p > 0 THEN length(CAST(?6 AS BLOB)) END "
	 "FROM (SELECT CASE WHEN length(CAST(?6 AS BLOB)) > 0 "
	 "THEN instr(CAST(?7 AS BLOB), CAST(?6 AS BLOB)) ELSE 0 END AS p)",
	 "INSERT INTO samples (id, batch_id, ext_id, line, text_field, text, "
	 "record, hash, context, edit_quality) VALUES ($1, $2, $3, $4, "
	 "$5, $6, $7, $8, $9, $10)"},
	{"copy_insert_sample_quality",
	 "INSERT INTO sample_quality (sample_id, batch_id, quality) VALUES (?1, ?2, ?3)",
	 NULL},
	{"copy_insert_duplicates",
	 "INSERT INTO duplicates (batch_id, ext_id, line, sample_id) VALUES (?1, "
	 "?2, ?3, ?4)",
	 NULL},
	{"copy_insert_rejects",
	 "INSERT INTO rejects (batch_id, source, line, reason) VALUES (?1, ?2, "
	 "?3, ?4)",
	 NULL},
	{"copy_insert_score_cache",
	 "INSERT INTO score_cache (config_hash, text_hash, value, reason, "
	 "created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	 NULL},
	{"copy_insert_scorers",
	 "INSERT INTO scorers (slot, name) VALUES (?1, ?2)",
	 NULL},
	{"copy_insert_score_forms",
	 "INSERT INTO score_forms (id, form) VALUES (?1, ?2)",
	 NULL},
	{"copy_insert_scorer_versions",
	 "INSERT INTO scorer_versions (id, slot, version) VALUES (?1, ?2, ?3)",
	 NULL},
	{"copy_insert_sample_scores",
	 "INSERT INTO sample_scores (sample_id, flags, learned, scored_at, vals, "
	 "vers) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	 NULL},
	{"copy_insert_score_notes",
	 "INSERT INTO score_notes (sample_id, notes) VALUES (?1, ?2)",
	 "INSERT INTO score_notes (sample_id, reasons, details) VALUES ($1, $2::text[], "
	 "$3::text[])"},
	{"copy_insert_pairs",
	 "INSERT INTO pairs (sample_id, a_field, b_field, b_text, a_model, "
	 "b_model, a_model_field, b_model_field, claimed, chat) VALUES (?1, ?2, "
	 "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	 NULL},
	{"copy_insert_pair_scores",
	 "INSERT INTO pair_scores (sample_id, scorer, value, flagged, reason, "
	 "version, detail, scored_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	 NULL},
	{"copy_insert_events",
	 "INSERT INTO events (id, sample_id, annotator_id, kind, verdict, text, "
	 "reason, undoes, at, ms_spent, session, pref, placement) VALUES (?1, "
	 "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	 NULL},
	{"copy_insert_decisions",
	 "INSERT INTO decisions (sample_id, annotator_id, verdict, text, reason, "
	 "event_id, decided_at, ms_spent, edit_distance, words, pref, placement) "
	 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	 NULL},
	{"copy_insert_adjudications",
	 "INSERT INTO adjudications (sample_id, annotator_id, verdict, text, "
	 "reason, event_id, decided_at, pref) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	 "?7, ?8)",
	 NULL},
	{"copy_insert_leases",
	 "INSERT INTO leases (sample_id, annotator_id, expires_at) VALUES (?1, "
	 "?2, ?3)",
	 NULL},
	{"copy_insert_models",
	 "INSERT INTO models (id, name, created_at, n_rejected, n_kept, info, "
	 "model) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	 NULL},
	{"copy_insert_edit_scores",
	 "INSERT INTO edit_scores (sample_id, scorer, value, flagged, reason, "
	 "version, text_hash, scored_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	 NULL},
	{"copy_insert_spotchecks",
	 "INSERT INTO spotchecks (id, where_text, verdict, reason, annotator_id, "
	 "seed, max_disagree, created_at, applied_at) VALUES (?1, ?2, ?3, ?4, "
	 "?5, ?6, ?7, ?8, ?9)",
	 NULL},
	{"copy_insert_spotcheck_samples",
	 "INSERT INTO spotcheck_samples (spotcheck_id, sample_id) VALUES (?1, "
	 "?2)",
	 NULL},
	{"copy_insert_neardup_index",
	 "INSERT INTO neardup_index (id, version, upto) VALUES (?1, ?2, ?3)", NULL},
	{"copy_insert_neardup",
	 "INSERT INTO neardup (sample_id, sig, cluster, via, agree_of, agree_max, "
	 "size) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	 NULL},
	{"copy_insert_neardup_bands",
	 "INSERT INTO neardup_bands (id, last, entries) VALUES (?1, ?2, ?3)", NULL},
};

static const dbi_query q_count[] = {
	{"copy_count_batches", "SELECT count(*) FROM batches", NULL},
	{"copy_count_annotators", "SELECT count(*) FROM annotators", NULL},
	{"copy_count_samples", "SELECT count(*) FROM samples", NULL},
	{"copy_count_sample_quality", "SELECT count(*) FROM sample_quality", NULL},
	{"copy_count_duplicates", "SELECT count(*) FROM duplicates", NULL},
	{"copy_count_rejects", "SELECT count(*) FROM rejects", NULL},
	{"copy_count_score_cache", "SELECT count(*) FROM score_cache", NULL},
	{"copy_count_scorers", "SELECT count(*) FROM scorers", NULL},
	{"copy_count_score_forms", "SELECT count(*) FROM score_forms", NULL},
	{"copy_count_scorer_versions", "SELECT count(*) FROM scorer_versions", NULL},
	{"copy_count_sample_scores", "SELECT count(*) FROM sample_scores", NULL},
	{"copy_count_score_notes", "SELECT count(*) FROM score_notes", NULL},
	{"copy_count_pairs", "SELECT count(*) FROM pairs", NULL},
	{"copy_count_pair_scores", "SELECT count(*) FROM pair_scores", NULL},
	{"copy_count_events", "SELECT count(*) FROM events", NULL},
	{"copy_count_decisions", "SELECT count(*) FROM decisions", NULL},
	{"copy_count_adjudications", "SELECT count(*) FROM adjudications", NULL},
	{"copy_count_leases", "SELECT count(*) FROM leases", NULL},
	{"copy_count_models", "SELECT count(*) FROM models", NULL},
	{"copy_count_edit_scores", "SELECT count(*) FROM edit_scores", NULL},
	{"copy_count_spotchecks", "SELECT count(*) FROM spotchecks", NULL},
	{"copy_count_spotcheck_samples", "SELECT count(*) FROM spotcheck_samples", NULL},
	{"copy_count_neardup_index", "SELECT count(*) FROM neardup_index", NULL},
	{"copy_count_neardup", "SELECT count(*) FROM neardup", NULL},
	{"copy_count_neardup_bands", "SELECT count(*) FROM neardup_bands", NULL},
};

static const dbi_query q_setval[] = {
	{"copy_setval_batches", NULL,
	 "SELECT setval(pg_get_serial_sequence('batches', 'id'), "
	 "coalesce(max(id), 0) + 1, false) FROM batches"},
	{"copy_setval_annotators", NULL,
	 "SELECT setval(pg_get_serial_sequence('annotators', 'id'), "
	 "coalesce(max(id), 0) + 1, false) FROM annotators"},
	{"copy_setval_samples", NULL,
	 "SELECT setval(pg_get_serial_sequence('samples', 'id'), "
	 "coalesce(max(id), 0) + 1, false) FROM samples"},
	{"copy_setval_scorer_versions", NULL,
	 "SELECT setval(pg_get_serial_sequence('scorer_versions', 'id'), "
	 "coalesce(max(id), 0) + 1, false) FROM scorer_versions"},
	{"copy_setval_events", NULL,
	 "SELECT setval(pg_get_serial_sequence('events', 'id'), "
	 "coalesce(max(id), 0) + 1, false) FROM events"},
	{"copy_setval_models", NULL,
	 "SELECT setval(pg_get_serial_sequence('models', 'id'), "
	 "coalesce(max(id), 0) + 1, false) FROM models"},
	{"copy_setval_spotchecks", NULL,
	 "SELECT setval(pg_get_serial_sequence('spotchecks', 'id'), "
	 "coalesce(max(id), 0) + 1, false) FROM spotchecks"},
};

const size_t copy_n_tables = ASSAY_ARRAY_LEN(copy_tables);

/* The index of table i's row in q_setval (identity tables only). */
static size_t setval_index(size_t i)
{
	size_t k = 0;
	for (size_t j = 0; j < i; j++)
		k += copy_tables[j].identity;
	return k;
}

dbi_stmt *copy_read_stmt(store *s, size_t i, assay_error *err)
{
	return dbi_stmt_get(s->dbi, &q_read[i], err);
}

dbi_stmt *copy_insert_stmt(store *s, size_t i, assay_error *err)
{
	return dbi_stmt_get(s->dbi, &q_insert[i], err);
}

dbi_stmt *copy_count_stmt(store *s, size_t i, assay_error *err)
{
	return dbi_stmt_get(s->dbi, &q_count[i], err);
}

dbi_stmt *copy_setval_stmt(store *s, size_t i, assay_error *err)
{
	if (!copy_tables[i].identity || setval_index(i) >= ASSAY_ARRAY_LEN(q_setval)) {
		assay_fail(err, ASSAY_EINVAL, "internal: %s has no identity", copy_tables[i].name);
		return NULL;
	}
	return dbi_stmt_get(s->dbi, &q_setval[setval_index(i)], err);
}

size_t store_copy_n_tables(void)
{
	return copy_n_tables;
}

const char *store_copy_table_name(size_t i)
{
	return i < copy_n_tables ? copy_tables[i].name : NULL;
}
