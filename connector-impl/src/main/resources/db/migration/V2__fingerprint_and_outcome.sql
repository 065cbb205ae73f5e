-- Version 0.2: outcomes kept without HTTP statuses, and the fingerprint that tells two deliveries
-- with one event_id apart. Every column added is nullable, and the columns 0.1 reads are still
-- written, so that instances of 0.1 and 0.2 can share one database during a rolling update.

-- EventFingerprint: a hash of the event's data, and its event time.
alter table nsps_event add column data_hash integer;
alter table nsps_event add column event_time timestamptz;
-- A failed event's failure (outcome.Outcome.Failed.Failure, lower case) and its Retry-After.
alter table nsps_event add column failure text;
alter table nsps_event add column retry_after_ms bigint;
-- 0.1 read done-ness from status (2xx); 0.2 writes 202 for done and 503 for failed there, for 0.1's
-- sake, and reads the state and outcome columns. The journal's status follows from its outcome.
alter table nsps_event_journal alter column status drop not null;
