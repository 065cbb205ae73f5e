-- Version 0.2 (operations): what the journal's queries of the operator's commands and the body
-- purge read. Indexes only, so instances of the previous version and this one can share the
-- database during a rolling update.

-- "journal --failed" and "replay --failed" list each event's latest delivery: found through its
-- event_id and the newest id.
create index nsps_event_journal_event_id_id on nsps_event_journal (event_id, id);
-- The body purge runs every half JOURNAL_BODY_RETENTION (at least every 5 s): it reads only the
-- rows that still keep a body, not the whole table's history.
create index nsps_event_journal_body_finished_at on nsps_event_journal (finished_at) where body is not null;
