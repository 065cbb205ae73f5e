-- Version 0.2: the journal of every delivery as the operator's journal and replay commands read it.
-- Every column added is nullable or has a default, and nothing 0.1 reads or writes changes, so
-- instances of the previous version and this one can share the database during a rolling update.

-- The delivery's answer as a sentence, and what the operator's replay needs.
alter table nsps_event_journal add column message text;
-- The calls the handlers made to their external systems: a JSON array of {handler, action, status, ms}.
alter table nsps_event_journal add column upstream_calls text;
-- The event as received, for a replay; dropped after JOURNAL_BODY_RETENTION.
alter table nsps_event_journal add column body bytea;
-- Whether the operator's replay ran this delivery.
alter table nsps_event_journal add column replay boolean not null default false;

create index nsps_event_journal_finished_at on nsps_event_journal (finished_at);
create index nsps_event_journal_subscriber on nsps_event_journal (subscriber);
