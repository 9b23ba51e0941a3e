-- The notifier's claim: due rows (pending, next_attempt_at reached, no live lease) of the channels
-- p_channels (the ones this notifier is configured for; NULL = every channel), oldest first,
-- skipping rows another worker holds (for update skip locked). Each claim counts as an attempt and
-- leases the row to p_worker for p_lease_seconds (the notifier renews the lease while a delivery is
-- in flight: renew_sms_notification_leases); a crashed worker's rows come back when the lease runs
-- out. A row whose lease ran out max_attempts times without an answer (attempts - retries: the
-- worker crashed on it each time) is marked dead instead of being claimed again (a message that
-- crashes the worker must not loop forever); temporary provider failures (retries) do not count.
-- One incident's notifications to one channel go out in order: a row is due only when no earlier
-- row (lower id) of the same (alert_id, channel) is still pending, leased or waiting for a retry,
-- so a retried trigger can never reach the provider after its resolve.
create or replace function sms_monitor.claim_sms_notifications(
  p_worker text,
  p_limit integer default 10,
  p_lease_seconds integer default 60,
  p_channels text[] default null
)
returns setof sms_monitor.sms_alert_notifications
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_dead uuid[];
  v_alert uuid;
begin
  if p_worker is null or btrim(p_worker) = '' or length(p_worker) > 200 then
    raise exception 'worker: is required (1-200 characters)' using errcode = '22023';
  end if;
  if p_limit is null or p_limit < 1 or p_limit > 1000 then
    raise exception 'limit: must be between 1 and 1000 (got %)', coalesce(p_limit::text, 'NULL') using errcode = '22023';
  end if;
  if p_lease_seconds is null or p_lease_seconds < 1 or p_lease_seconds > 3600 then
    raise exception 'lease_seconds: must be between 1 and 3600 (got %)', coalesce(p_lease_seconds::text, 'NULL')
      using errcode = '22023';
  end if;
  if p_channels is not null and (cardinality(p_channels) > 4
      or not p_channels <@ enum_range(null::sms_monitor.notification_channel)::text[]) then
    raise exception 'channels: must list only % (got %)',
      array_to_string(enum_range(null::sms_monitor.notification_channel), ', '), p_channels::text
      using errcode = '22023';
  end if;

  with expired as (
    select n.id from sms_monitor.sms_alert_notifications n
     where n.status = 'pending' and n.locked_until <= now() and n.attempts - n.retries >= n.max_attempts
       and (p_channels is null or n.channel = any(p_channels))
     for update skip locked
  ), dead as (
    update sms_monitor.sms_alert_notifications n
       set status = 'dead', locked_by = null, locked_until = null, updated_at = now(),
           last_error = coalesce(n.last_error || '; ', '')
             || format('lease of %s expired on attempt %s of %s (worker crashed?)', n.locked_by, n.attempts - n.retries, n.max_attempts)
      from expired e
     where n.id = e.id
    returning n.alert_id
  )
  select array_agg(distinct d.alert_id) into v_dead from dead d;
  foreach v_alert in array coalesce(v_dead, '{}') loop
    perform sms_monitor._alert_sync_notification_status(v_alert);
  end loop;

  -- An incident resolved before its trigger reached one of these channels: supersede what waits
  -- (_alert_supersede_unreached) rather than page for what is over. Catches what the resolve's own
  -- attempt left alone because a row was in flight at that moment.
  for v_alert in
    select distinct r.alert_id from sms_monitor.sms_alert_notifications r
     where r.status = 'pending' and r.event = 'resolve'
       and (p_channels is null or r.channel = any(p_channels))
       and exists (select from sms_monitor.sms_alert_notifications t
                    where t.alert_id = r.alert_id and t.channel = r.channel and t.status = 'pending'
                      and t.event in ('trigger', 'repeat') and t.id < r.id)
       and not exists (select from sms_monitor.sms_alert_notifications t
                        where t.alert_id = r.alert_id and t.channel = r.channel and t.status = 'sent'
                          and t.event in ('trigger', 'repeat'))
  loop
    perform sms_monitor._alert_supersede_unreached(v_alert);
  end loop;

  return query
  with due as (
    select n.id from sms_monitor.sms_alert_notifications n
     where n.status = 'pending'
       and n.next_attempt_at <= now()
       and (n.locked_until is null or n.locked_until <= now())
       and (p_channels is null or n.channel = any(p_channels))
       and not exists (
         select from sms_monitor.sms_alert_notifications p
          where p.alert_id = n.alert_id and p.channel = n.channel and p.status = 'pending' and p.id < n.id)
     order by n.next_attempt_at, n.id
     limit p_limit
     for update skip locked
  ), claimed as (
    update sms_monitor.sms_alert_notifications n
       set locked_by = p_worker,
           locked_until = now() + make_interval(secs => p_lease_seconds),
           attempts = n.attempts + 1,
           updated_at = now()
      from due
     where n.id = due.id
    returning n.*
  )
  select c.* from claimed c order by c.next_attempt_at, c.id;
end;
$$;

comment on function sms_monitor.claim_sms_notifications(text, integer, integer, text[]) is
  'Notifier: leases up to p_limit due outbox rows of the channels p_channels (NULL: all) to p_worker for '
  'p_lease_seconds (for update skip locked), oldest first; each claim counts one attempt. A row waits while an '
  'earlier row of the same incident and channel is pending (in-order delivery: trigger, acknowledge, resolve).';
revoke all on function sms_monitor.claim_sms_notifications(text, integer, integer, text[]) from public;
grant execute on function sms_monitor.claim_sms_notifications(text, integer, integer, text[])
  to sms_monitor_admin, sms_monitor_notifier;
