-- Schema 3: calls enter the search index after they are recorded, not in the
-- recording transaction. Tokenizing a call into trigrams costs as much as
-- everything else about recording it; the writer thread now indexes new
-- calls in chunks once it has been idle for a moment, so recording stays
-- cheap (a resync that writes thousands of calls at once, or a burst at
-- 9 o'clock). Search scans the few not-yet-indexed calls directly.

CREATE TABLE search_state (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    calls_indexed_upto INTEGER NOT NULL   -- calls.id up to which calls_fts is complete
);
INSERT INTO search_state (id, calls_indexed_upto) SELECT 1, coalesce(max(id), 0) FROM calls;

DROP TRIGGER calls_fts_insert;
DROP TRIGGER calls_fts_update;
-- An update of an indexed call re-indexes it; an unindexed one is picked up
-- by the indexer with its new values.
CREATE TRIGGER calls_fts_update AFTER UPDATE OF remote_norm, remote_name ON calls
WHEN old.id <= (SELECT calls_indexed_upto FROM search_state)
BEGIN
    DELETE FROM calls_fts WHERE rowid = old.id;
    INSERT INTO calls_fts (rowid, num, name)
    VALUES (new.id, '^' || ltrim(coalesce(new.remote_norm, ''), '+'), ringside_fold(new.remote_name));
END;
