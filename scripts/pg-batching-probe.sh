#!/usr/bin/env bash
# What batching the shared store's claims and finishes across events would save PostgreSQL: a
# measurement of a design that is not built (docs/performance.md, "Batching claims and finishes").
#
#   scripts/pg-batching-probe.sh [SECONDS]
#
# pgbench, in a schema of its own migrated with the connector's own migrations, against
# PostgreSQL on 127.0.0.1:5432 (PGUSER/PGDATABASE, default postgres/test):
#   single   one event per claim and per finish, as PostgresStateStore sends them today: nsps_claim,
#            then the finish's statement (the event's outcome, the subscriber's time, the journal entry
#            with a 1.9 KB body, the lock's hand-over)
#   batch N  the same writes for N events in one claim statement and one finish statement, the
#            subscriber locks taken and let go per session as a shared session would
# Each prints events a second and PostgreSQL's CPU per event (the postmaster's own, its live
# children's and, from its cumulative counters, the backends it reaped). Prepared statements, as the
# connector's driver uses. The figures are the server's only: the connector's side is not in them.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
export PGHOST="${PGHOST:-127.0.0.1}" PGUSER="${PGUSER:-postgres}" PGDATABASE="${PGDATABASE:-test}"
export PGOPTIONS="-c client_min_messages=warning"
schema="nsps_batching_probe"
work="$(mktemp -d)"
trap 'psql -q -c "drop schema if exists $schema cascade" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# (PostgreSQL's own data folder names its postmaster: the probe runs beside the server, as root or postgres.)
postmaster="$(head -1 "$(psql -Atc "show data_directory")/postmaster.pid")"
ticks="$(getconf CLK_TCK)"
# CPU ticks of PostgreSQL: the postmaster's, its reaped children's, and its live children's.
pg_ticks() {
  local total fields child
  read -r -a fields < "/proc/$postmaster/stat"
  total=$((fields[13] + fields[14] + fields[15] + fields[16]))
  for child in $(pgrep -P "$postmaster"); do
    read -r -a fields < "/proc/$child/stat" 2>/dev/null || continue
    total=$((total + fields[13] + fields[14]))
  done
  echo "$total"
}

psql -q -c "drop schema if exists $schema cascade" -c "create schema $schema" >/dev/null
for migration in connector-impl/src/main/resources/db/migration/V*.sql; do
  PGOPTIONS="$PGOPTIONS -c search_path=$schema" psql -q -v ON_ERROR_STOP=1 -f "$migration" >/dev/null
done

cat > "$work/single.sql" <<'EOF'
\set n random(1, 1000000000000)
select * from nsps_claim('e' || :n, 'SIM/Updated', 's' || :n, 'probe', now() + interval '1 min', false);
with finished as (
    update nsps_event set state = 'done', finished_at = now(), lease_until = null, status = 202, outcome = 'processed',
           failure = null, error_type = null, message = 'Provisioned', error = null, retry_after_ms = null, headers = '{}',
           data_hash = 12345, event_time = now()
     where event_id = 'e' || :n and owner = 'probe'
), applied as (
    insert into nsps_subscriber (subscriber, last_event_time, last_event_id)
    select 's' || :n, now(), 'e' || :n
    on conflict (subscriber) do update set last_event_time = excluded.last_event_time, last_event_id = excluded.last_event_id,
           updated_at = now()
     where nsps_subscriber.last_event_time < excluded.last_event_time
), journaled as (
    insert into nsps_event_journal (event_id, event_type, subscriber, instance, received_at, finished_at, outcome, error, message,
                                    upstream_calls, body, replay)
    values ('e' || :n, 'SIM/Updated', 's' || :n, 'probe', now(), now(), 'processed', null, 'Provisioned', '[{"call":1}]',
            convert_to(repeat('x', 1900), 'UTF8'), false)
)
select set_config('synchronous_commit', current_setting('synchronous_commit'), true),
       case when handover.held then pg_advisory_unlock(hashtextextended('s' || :n, 0)) end
  from (select true as held, pg_advisory_xact_lock(hashtextextended('s' || :n, 0)) offset 0) handover;
EOF

cat > "$work/batch.sql" <<'EOF'
\set n random(1, 10000000000)
with ids as (select 'e' || (:n::bigint * 100 + g) as id, 's' || (:n::bigint * 100 + g) as sub from generate_series(1, :batch) g),
claimed as (
    insert into nsps_event as e (event_id, event_type, subscriber, state, owner, lease_until)
    select id, 'SIM/Updated', sub, 'in_flight', 'probe', now() + interval '1 min' from ids
    on conflict (event_id) do update set state = 'in_flight', owner = excluded.owner, lease_until = excluded.lease_until,
           received_at = now(), finished_at = null
     where e.state = 'failed' or (e.state = 'in_flight' and e.lease_until < now())
    returning event_id, subscriber
), held as (select event_id, subscriber, pg_try_advisory_lock(hashtextextended(subscriber, 0)) as held from claimed offset 0)
select h.event_id, h.held, s.last_event_time from held h left join nsps_subscriber s on s.subscriber = h.subscriber and h.held;
with ids as (select 'e' || (:n::bigint * 100 + g) as id, 's' || (:n::bigint * 100 + g) as sub from generate_series(1, :batch) g),
finished as (
    update nsps_event e set state = 'done', finished_at = now(), lease_until = null, status = 202, outcome = 'processed',
           failure = null, error_type = null, message = 'Provisioned', error = null, retry_after_ms = null, headers = '{}',
           data_hash = 12345, event_time = now()
      from ids where e.event_id = ids.id and e.owner = 'probe'
), applied as (
    insert into nsps_subscriber (subscriber, last_event_time, last_event_id)
    select sub, now(), id from ids
    on conflict (subscriber) do update set last_event_time = excluded.last_event_time, last_event_id = excluded.last_event_id,
           updated_at = now()
     where nsps_subscriber.last_event_time < excluded.last_event_time
), journaled as (
    insert into nsps_event_journal (event_id, event_type, subscriber, instance, received_at, finished_at, outcome, error, message,
                                    upstream_calls, body, replay)
    select id, 'SIM/Updated', sub, 'probe', now(), now(), 'processed', null, 'Provisioned', '[{"call":1}]',
           convert_to(repeat('x', 1900), 'UTF8'), false from ids
)
select count(*) from (select pg_advisory_xact_lock(hashtextextended(sub, 0)) from ids offset 0) handover;
select count(pg_advisory_unlock(hashtextextended('s' || (:n::bigint * 100 + g), 0))) from generate_series(1, :batch) g;
EOF

# run NAME SCRIPT CLIENTS EVENTS_PER_SCRIPT
run() {
  local before after out scripts events
  before="$(pg_ticks)"
  out="$(PGOPTIONS="$PGOPTIONS -c search_path=$schema" pgbench -n -M prepared -c "$3" -j "$3" -T "$seconds" -D batch="$4" -f "$2" 2>&1)" \
    || { echo "$out" >&2; exit 1; }
  sleep 0.5   # the backends exit and are reaped
  after="$(pg_ticks)"
  scripts="$(awk '/number of transactions actually processed/ {split($NF, a, "/"); print a[1]}' <<< "$out")"
  events=$((scripts * $4))
  printf '%-10s %2s clients: %6d events/s, PostgreSQL %4d us of CPU per event\n' "$1" "$3" $((events / seconds)) \
    $(((after - before) * 1000000 / ticks / events))
}

run single "$work/single.sql" 2 1
run single "$work/single.sql" 8 1
for batch in 4 8 16; do
  run "batch $batch" "$work/batch.sql" 1 "$batch"
  run "batch $batch" "$work/batch.sql" 2 "$batch"
done
