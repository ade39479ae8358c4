-- Schema 2: full-text search (FTS5 trigram, so any fragment of three or more
-- characters matches anywhere) and the "called back" mark on missed calls.
--
-- Text is folded (lower case, accents removed) by ringside_fold(), a function
-- the store registers on every connection, so "jose" finds "José".
-- Numbers are indexed as '^' followed by the digits of the normalized number:
-- the '^' lets a fragment typed in national form ("020 7946") match only at
-- the start of the international digits.
-- columnsize = 0: nothing ranks by BM25, so the per-row size record is
-- dead weight on every insert.

ALTER TABLE calls ADD COLUMN called_back_at_ms INTEGER;
ALTER TABLE calls ADD COLUMN called_back_by TEXT;  -- call_id of the outbound call
CREATE INDEX calls_missed ON calls (started_at_ms)
    WHERE outcome IN ('missed', 'abandoned', 'voicemail');

CREATE VIRTUAL TABLE calls_fts USING fts5 (num, name, tokenize = 'trigram', columnsize = 0);
CREATE VIRTUAL TABLE contacts_fts USING fts5 (num, name, email, notes, tokenize = 'trigram', columnsize = 0);
CREATE VIRTUAL TABLE notes_fts USING fts5 (body, tokenize = 'trigram', columnsize = 0);

CREATE TRIGGER calls_fts_insert AFTER INSERT ON calls BEGIN
    INSERT INTO calls_fts (rowid, num, name)
    VALUES (new.id, '^' || ltrim(coalesce(new.remote_norm, ''), '+'), ringside_fold(new.remote_name));
END;
CREATE TRIGGER calls_fts_update AFTER UPDATE OF remote_norm, remote_name ON calls BEGIN
    DELETE FROM calls_fts WHERE rowid = old.id;
    INSERT INTO calls_fts (rowid, num, name)
    VALUES (new.id, '^' || ltrim(coalesce(new.remote_norm, ''), '+'), ringside_fold(new.remote_name));
END;
CREATE TRIGGER calls_fts_delete AFTER DELETE ON calls BEGIN
    DELETE FROM calls_fts WHERE rowid = old.id;
END;

CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes BEGIN
    INSERT INTO notes_fts (rowid, body) VALUES (new.id, ringside_fold(new.body));
END;
CREATE TRIGGER notes_fts_update AFTER UPDATE OF body ON notes BEGIN
    DELETE FROM notes_fts WHERE rowid = old.id;
    INSERT INTO notes_fts (rowid, body) VALUES (new.id, ringside_fold(new.body));
END;
CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes BEGIN
    DELETE FROM notes_fts WHERE rowid = old.id;
END;

CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM contacts_fts WHERE rowid = old.id;
END;

-- Backfill the indexes from schema-1 data.
INSERT INTO calls_fts (rowid, num, name)
SELECT id, '^' || ltrim(coalesce(remote_norm, ''), '+'), ringside_fold(remote_name) FROM calls;
INSERT INTO notes_fts (rowid, body) SELECT id, ringside_fold(body) FROM notes;
INSERT INTO contacts_fts (rowid, num, name, email, notes)
SELECT c.id,
       (SELECT group_concat('^' || ltrim(n.norm, '+'), ' ') FROM contact_numbers n
         WHERE n.contact_id = c.id AND n.norm IS NOT NULL),
       ringside_fold(c.name || ' ' || coalesce(c.company, '')),
       ringside_fold(c.email),
       ringside_fold(c.notes)
FROM contacts c;

-- Mark missed calls that an answered outbound call to the same number
-- already followed.
UPDATE calls AS m
SET (called_back_at_ms, called_back_by) = (
    SELECT o.started_at_ms, o.call_id FROM calls o
    WHERE o.remote_norm = m.remote_norm AND o.direction = 'outbound'
      AND o.outcome = 'answered' AND o.started_at_ms >= m.started_at_ms
    ORDER BY o.started_at_ms LIMIT 1)
WHERE m.outcome IN ('missed', 'abandoned', 'voicemail') AND m.remote_norm IS NOT NULL;
