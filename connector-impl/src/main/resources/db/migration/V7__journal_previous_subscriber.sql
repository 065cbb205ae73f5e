-- Version 0.2 (operations): a SIM replacement's journal entry is found under its previous SIM too
-- ("journal --subscriber imsi:<old SIM>"). The previous SIM is kept in a table of its own, one row
-- per replacement's entry, rather than in a column of the journal: only this small table is
-- indexed, so the migration builds no index over the journal's rows (which would lock out the other
-- instances' finishes while it ran, or outlast the statement timeout). No foreign key: its check
-- would cost every journal row the purge deletes (~15 µs each, measured); the purge drops the rows
-- whose entry is gone instead. Instances of the previous version write no rows here (their
-- replacements are found under the new SIM only) and go on sharing the database during a rolling
-- update.
create table nsps_event_journal_previous_subscriber (
    journal_id bigint primary key,
    subscriber text   not null
);
create index nsps_event_journal_previous_subscriber_subscriber on nsps_event_journal_previous_subscriber (subscriber);
