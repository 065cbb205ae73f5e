-- Version 0.2 (speed): the journal's index on event_id alone goes. The index on (event_id, id) of V5
-- answers every query the alone one did (event_id is its first column), so every finish wrote one
-- index entry of six for nothing (docs/performance.md, "The journal's indexes"). An index only, so
-- instances of the previous version, whose queries the (event_id, id) index serves as well, keep
-- sharing the database during a rolling update, and a rollback needs no schema change.
-- Concurrently: a plain drop would lock the journal against the other instances' finishes while it
-- waits for the statements in progress (Flyway runs this statement outside a transaction).
drop index concurrently if exists nsps_event_journal_event_id;
