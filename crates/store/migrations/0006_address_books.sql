-- Schema 6: contacts synced from CardDAV address books. They live in the
-- contacts table like any contact (so the popup, search and colleague
-- names find them), marked with the book they came from and their place in
-- it. Ringside never edits them: the book on the server is the truth.

-- One row per synced address book collection, keyed by its URL.
CREATE TABLE address_books (
    id            INTEGER PRIMARY KEY,
    url           TEXT    NOT NULL UNIQUE,  -- the collection's absolute URL
    name          TEXT    NOT NULL,         -- its display name, for messages
    sync_token    TEXT,                     -- RFC 6578; NULL: none yet, or the server has none
    synced_at_ms  INTEGER
);

-- NULL book_id: a contact saved in Ringside itself (every row before 6).
ALTER TABLE contacts ADD COLUMN book_id INTEGER REFERENCES address_books (id) ON DELETE CASCADE;
ALTER TABLE contacts ADD COLUMN href TEXT;   -- the vCard's path in the book
ALTER TABLE contacts ADD COLUMN etag TEXT;   -- its ETag when last synced
ALTER TABLE contacts ADD COLUMN title TEXT;  -- the vCard's TITLE (job title)
CREATE UNIQUE INDEX contacts_by_href ON contacts (book_id, href) WHERE book_id IS NOT NULL;
