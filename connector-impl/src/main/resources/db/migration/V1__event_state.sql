-- Shared state of the NSPS connector instances (STATE_STORE=postgres).

-- One row per event_id: in flight (claimed by an owner until lease_until), done, or failed.
create table nsps_event (
    event_id    text        primary key,
    event_type  text        not null,
    subscriber  text,
    state       text        not null check (state in ('in_flight', 'done', 'failed')),
    owner       text        not null,
    lease_until timestamptz,
    received_at timestamptz not null default now(),
    finished_at timestamptz,
    status      integer,
    outcome     text,
    error_type  text,
    message     text,
    error       text,
    headers     text
);
create index nsps_event_finished_at on nsps_event (finished_at);

-- The newest event time applied per subscriber (an IMSI or an account).
create table nsps_subscriber (
    subscriber      text        primary key,
    last_event_time timestamptz not null,
    last_event_id   text        not null,
    updated_at      timestamptz not null default now()
);

-- Every finished delivery, for operators.
create table nsps_event_journal (
    id          bigserial   primary key,
    event_id    text        not null,
    event_type  text,
    subscriber  text,
    instance    text        not null,
    received_at timestamptz not null,
    finished_at timestamptz not null,
    outcome     text,
    status      integer     not null,
    error       text
);
create index nsps_event_journal_event_id on nsps_event_journal (event_id);
