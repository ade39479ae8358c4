-- Schema 4: text messages (sent and received through a GSM gateway) and
-- calls imported from the PBX's own call records (CDR).

-- Where a call row came from: 'ami' (the live call tracker) or 'cdr' (an
-- import of the PBX's call records, for calls Ringside did not see live).
-- Every existing row was recorded from AMI.
ALTER TABLE calls ADD COLUMN source TEXT NOT NULL DEFAULT 'ami';
-- The PBX's recording file name, which only the CDR carries.
ALTER TABLE calls ADD COLUMN recording_file TEXT;
-- A CDR row is matched against calls already recorded by its Uniqueid,
-- which may be either column of the AMI row (call_id is already UNIQUE).
CREATE INDEX calls_by_uniqueid ON calls (uniqueid);

-- Per import source (one PBX), how far its call records have been imported:
-- the PBX's own calldate text and the Uniqueid of the last row, so the next
-- import asks the PBX only for newer rows. Written in the same transaction
-- as the rows it covers.
CREATE TABLE cdr_cursors (
    source        TEXT    PRIMARY KEY,
    last_calldate TEXT    NOT NULL,
    last_uniqueid TEXT    NOT NULL,
    updated_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per text message, upserted by the gateway-derived id, so a
-- message reported twice is stored once.
CREATE TABLE sms (
    id            INTEGER PRIMARY KEY,
    sms_id        TEXT    NOT NULL UNIQUE,
    direction     TEXT    NOT NULL CHECK (direction IN ('incoming', 'outgoing')),
    number        TEXT    NOT NULL,   -- as the gateway gave it
    number_norm   TEXT,               -- NumberPlan::normalize; NULL for a sender name
    span          INTEGER,            -- the gateway's GSM port
    body          TEXT    NOT NULL,
    raw           TEXT,               -- the gateway's event text, kept whole
    at_ms         INTEGER NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('received', 'sending', 'sent', 'failed')),
    error         TEXT,
    updated_at_ms INTEGER NOT NULL
);
-- A number's thread, newest first (and the popup's last texts).
CREATE INDEX sms_by_number ON sms (number_norm, at_ms);
-- Recent texts across all numbers.
CREATE INDEX sms_by_time ON sms (at_ms);

-- Texts are few compared with calls, so they are indexed for search in the
-- writing transaction, by triggers, like notes.
CREATE VIRTUAL TABLE sms_fts USING fts5 (num, body, tokenize = 'trigram', columnsize = 0);
CREATE TRIGGER sms_fts_insert AFTER INSERT ON sms BEGIN
    INSERT INTO sms_fts (rowid, num, body)
    VALUES (new.id, '^' || ltrim(coalesce(new.number_norm, ringside_fold(new.number)), '+'), ringside_fold(new.body));
END;
CREATE TRIGGER sms_fts_update AFTER UPDATE OF number, number_norm, body ON sms BEGIN
    DELETE FROM sms_fts WHERE rowid = old.id;
    INSERT INTO sms_fts (rowid, num, body)
    VALUES (new.id, '^' || ltrim(coalesce(new.number_norm, ringside_fold(new.number)), '+'), ringside_fold(new.body));
END;
CREATE TRIGGER sms_fts_delete AFTER DELETE ON sms BEGIN
    DELETE FROM sms_fts WHERE rowid = old.id;
END;
