-- Schema 1: calls, contacts with several numbers, and notes.
-- Applied in one IMMEDIATE transaction; `PRAGMA user_version` records it.

-- One row per real call, upserted by the PBX's call id (Linkedid).
CREATE TABLE calls (
    id             INTEGER PRIMARY KEY,
    call_id        TEXT    NOT NULL UNIQUE,
    uniqueid       TEXT    NOT NULL,
    direction      TEXT    NOT NULL,
    remote_num     TEXT    NOT NULL,   -- as the PBX gave it
    remote_norm    TEXT,               -- NumberPlan::normalize; NULL when not a number
    remote_name    TEXT,
    from_extension TEXT,
    trunk          TEXT,
    did            TEXT,
    rang           TEXT    NOT NULL DEFAULT '[]',  -- JSON array of extensions
    answered_by    TEXT,
    transfers      TEXT    NOT NULL DEFAULT '[]',  -- JSON array of Transfer
    outcome        TEXT    NOT NULL,
    started_at_ms  INTEGER NOT NULL,
    answered_at_ms INTEGER,
    ended_at_ms    INTEGER NOT NULL,
    ended_offline  INTEGER NOT NULL DEFAULT 0
);
-- Popup lookup: the last calls of one number, and "calls today".
CREATE INDEX calls_by_number ON calls (remote_norm, started_at_ms);
-- Date-range search and retention by age.
CREATE INDEX calls_by_start ON calls (started_at_ms);

CREATE TABLE contacts (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    company       TEXT,
    email         TEXT,
    notes         TEXT,
    crm_url       TEXT,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);

CREATE TABLE contact_numbers (
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    label      TEXT,
    number     TEXT    NOT NULL,   -- as the user typed it
    norm       TEXT,               -- NumberPlan::normalize
    PRIMARY KEY (contact_id, position)
) WITHOUT ROWID;
CREATE INDEX contact_numbers_by_norm ON contact_numbers (norm);

-- Notes are keyed by call_id (not a foreign key: a note may be written while
-- the call is live, before its call row exists) or by normalized number.
CREATE TABLE notes (
    id            INTEGER PRIMARY KEY,
    call_id       TEXT,
    number_norm   TEXT,
    body          TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    CHECK (call_id IS NOT NULL OR number_norm IS NOT NULL)
);
CREATE INDEX notes_by_call ON notes (call_id) WHERE call_id IS NOT NULL;
CREATE INDEX notes_by_number ON notes (number_norm) WHERE number_norm IS NOT NULL;
