-- What tells two deliveries with one event_id apart (EventFingerprint): a hash of the event's data
-- and its event time. Nullable: rows written by the previous version have none, and that version
-- keeps working against this schema (it names its columns).
alter table nsps_event add column data_hash integer;
alter table nsps_event add column event_time timestamptz;
