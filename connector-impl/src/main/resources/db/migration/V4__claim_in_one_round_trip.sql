-- Version 0.2: a delivery's claim, its subscriber's lock and the subscriber's last applied time in
-- one round trip (PostgresStateStore.claim). Nothing a previous version reads or writes changes:
-- its instances keep taking the same advisory lock, per transaction, while these take it per
-- session, and the two exclude each other.
--
-- nsps_claim takes the event as the claim always did: when it is new, failed, claimed with an
-- expired lease (its owner crashed), or done and p_even_if_done (the operator's replay). When it
-- took it and the event names a subscriber, it tries the subscriber's advisory lock without
-- waiting, and once it holds it reads the subscriber's last applied time (a statement of its own,
-- so it sees what the previous holder committed before it let go). When it did not take it, it
-- returns the event's row when finished, for "already processed". The caller waits for a busy
-- subscriber itself, and lets go of the lock after committing its finish.
create function nsps_claim(p_event_id text, p_event_type text, p_subscriber text, p_owner text, p_lease_until timestamptz,
                           p_even_if_done boolean)
    returns table (claimed boolean, subscriber_held boolean, last_event_time timestamptz, state text, outcome text, failure text,
                   message text, error text, retry_after_ms bigint, headers text, data_hash integer, event_time timestamptz)
    language plpgsql volatile
as $$
#variable_conflict use_column
begin
    insert into nsps_event as e (event_id, event_type, subscriber, state, owner, lease_until)
    values (p_event_id, p_event_type, p_subscriber, 'in_flight', p_owner, p_lease_until)
    on conflict (event_id) do update
       set state = 'in_flight', owner = excluded.owner, lease_until = excluded.lease_until, received_at = now(), finished_at = null
     where e.state = 'failed'
        or (e.state = 'in_flight' and e.lease_until < now())
        or (p_even_if_done and e.state = 'done');
    if found then
        claimed := true;
        subscriber_held := p_subscriber is null or pg_try_advisory_lock(hashtextextended(p_subscriber, 0));
        if subscriber_held and p_subscriber is not null then
            select s.last_event_time into last_event_time from nsps_subscriber s where s.subscriber = p_subscriber;
        end if;
        return next;
        return;
    end if;
    return query
        select false, false, null::timestamptz, e.state, e.outcome, e.failure, e.message, e.error, e.retry_after_ms, e.headers,
               e.data_hash, e.event_time
          from nsps_event e
         where e.event_id = p_event_id and e.state <> 'in_flight';
    if not found then
        -- In flight in another delivery (or finished after this statement's snapshot: the caller asks again).
        claimed := false;
        subscriber_held := false;
        return next;
    end if;
end
$$;
