-- Schema 5: the caller's wait in a queue, so the missed list can say
-- "gave up in queue sales after 1:10". JSON of ringside_calls::QueueWait
-- ({"queue", "position", "end", "waited_ms"}); NULL for a call that went
-- through no queue, and for every row recorded before this version.
ALTER TABLE calls ADD COLUMN queue_wait TEXT;
