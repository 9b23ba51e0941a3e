-- A running notifier says which channels it serves (configured for), every few seconds: the row
-- lives until expires_at (now() + p_ttl_seconds). A channel no live notifier serves is "not
-- configured": its rows wait (pending) and sms_alert_status says so. p_channels NULL signs the
-- worker off (graceful shutdown). Rows that expired more than a day ago are cleaned up.
create or replace function sms_monitor.sms_notifier_heartbeat(
  p_worker text,
  p_channels text[],
  p_ttl_seconds integer default 30
)
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_worker is null or btrim(p_worker) = '' or length(p_worker) > 200 then
    raise exception 'worker: is required (1-200 characters)' using errcode = '22023';
  end if;
  if p_channels is not null and (cardinality(p_channels) > 4
      or not p_channels <@ enum_range(null::sms_monitor.notification_channel)::text[]) then
    raise exception 'channels: must list only % (got %)',
      array_to_string(enum_range(null::sms_monitor.notification_channel), ', '), p_channels::text
      using errcode = '22023';
  end if;
  if p_ttl_seconds is null or p_ttl_seconds < 1 or p_ttl_seconds > 3600 then
    raise exception 'ttl_seconds: must be between 1 and 3600 (got %)', coalesce(p_ttl_seconds::text, 'NULL')
      using errcode = '22023';
  end if;
  delete from sms_monitor.sms_notifier_heartbeats h where h.expires_at < now() - interval '1 day';
  if p_channels is null then
    delete from sms_monitor.sms_notifier_heartbeats h where h.worker = p_worker;
    return;
  end if;
  insert into sms_monitor.sms_notifier_heartbeats as h (worker, channels, started_at, last_seen_at, expires_at)
  values (p_worker, (select coalesce(array_agg(distinct c order by c), '{}') from unnest(p_channels) c),
          now(), now(), now() + make_interval(secs => p_ttl_seconds))
  on conflict (worker) do update
     set channels = excluded.channels, last_seen_at = now(), expires_at = excluded.expires_at;
end;
$$;

comment on function sms_monitor.sms_notifier_heartbeat(text, text[], integer) is
  'Notifier: records that p_worker is alive and serves p_channels until now() + p_ttl_seconds; NULL channels '
  'signs it off. Bad arguments: 22023.';
revoke all on function sms_monitor.sms_notifier_heartbeat(text, text[], integer) from public;
grant execute on function sms_monitor.sms_notifier_heartbeat(text, text[], integer) to sms_monitor_notifier;
