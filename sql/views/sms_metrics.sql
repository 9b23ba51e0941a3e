-- The buckets as readers know them: one row per (metric_date, metric_hour or NULL = the day,
-- user_id or NULL = system-wide, metric_type) in the reporting timezone, metric_value the sum of
-- what was recorded and sample_count how many values were added. Live: the rolled-up buckets
-- (sms_metric_rollups, any grain, summed into the hour) plus the log rows past the rollup's
-- watermark, read in one snapshot, so a value counts from its commit on, once, before and after
-- the rollup. security_invoker: a self user sees only its own rows (the tables' row security).
create or replace view sms_monitor.sms_metrics with (security_invoker = true) as
select b.metric_date,
       b.metric_hour,
       nullif(b.user_id, sms_monitor._system_wide_user()) as user_id,
       b.metric_type,
       sum(b.metric_value) as metric_value,
       sum(b.sample_count)::bigint as sample_count,
       coalesce(sms_monitor._jsonb_merge_agg(b.metadata order by b.seq) filter (where b.metadata is not null),
                '{}'::jsonb) as metadata
  from (
    select r.metric_date, r.metric_hour, r.user_id, r.metric_type, r.metric_value, r.sample_count,
           nullif(r.metadata, '{}'::jsonb) as metadata, 0::bigint as seq
      from sms_monitor.sms_metric_rollups r
    union all
    select e.metric_date, e.metric_hour, e.user_id, e.metric_type, e.metric_value, 1, e.metadata, e.id
      from sms_monitor.sms_metric_events e
     where e.id > sms_monitor._rollup_watermark('sms_metrics')
  ) b
 group by b.metric_date, b.metric_hour, b.user_id, b.metric_type;

comment on view sms_monitor.sms_metrics is
  'One row per bucket (metric_date, metric_hour or NULL = the day, user_id or NULL = system-wide, metric_type) in '
  'the reporting timezone: metric_value the sum recorded, sample_count how many values. Live (rollups + the '
  'not-yet-rolled-up log); written only through the record_* functions.';
revoke all on sms_monitor.sms_metrics from public;
grant select on sms_monitor.sms_metrics to sms_monitor_reader, sms_monitor_self;

-- Whole buckets written straight into the view (the owner only: nobody else holds INSERT, so a
-- writer still cannot forge metrics around the record_* functions) are added into the rollups, as
-- an import of pre-aggregated buckets (tests and benchmark seeds do this): metric_value and
-- sample_count add to the bucket's hour (or day) row and to its day in sms_metric_rollups_daily,
-- sms_metric_rollups_system_daily and sms_metric_active_users_daily, and an hour bucket to the
-- alert-window grains (sms_metric_rollups_system, sms_metric_active_minutes).
create or replace function sms_monitor._sms_metrics_insert()
returns trigger
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  insert into sms_monitor.sms_metric_rollups as r
    (user_id, metric_type, metric_date, metric_hour, metric_minute, metric_value, sample_count, metadata)
  values (coalesce(new.user_id, sms_monitor._system_wide_user()), new.metric_type, new.metric_date, new.metric_hour, null,
          coalesce(new.metric_value, 0), coalesce(new.sample_count, 0), coalesce(new.metadata, '{}'::jsonb))
  on conflict on constraint sms_metric_rollups_key do update
    set metric_value = r.metric_value + excluded.metric_value,
        sample_count = r.sample_count + excluded.sample_count,
        metadata = sms_monitor._merge_metadata(r.metadata, excluded.metadata);
  insert into sms_monitor.sms_metric_rollups_daily as r (user_id, metric_type, metric_date, metric_value, sample_count)
  values (coalesce(new.user_id, sms_monitor._system_wide_user()), new.metric_type, new.metric_date,
          coalesce(new.metric_value, 0), coalesce(new.sample_count, 0))
  on conflict on constraint sms_metric_rollups_daily_pkey do update
    set metric_value = r.metric_value + excluded.metric_value,
        sample_count = r.sample_count + excluded.sample_count;
  insert into sms_monitor.sms_metric_rollups_system_daily as r (metric_date, metric_type, metric_value, sample_count)
  values (new.metric_date, new.metric_type, coalesce(new.metric_value, 0), coalesce(new.sample_count, 0))
  on conflict on constraint sms_metric_rollups_system_daily_pkey do update
    set metric_value = r.metric_value + excluded.metric_value,
        sample_count = r.sample_count + excluded.sample_count;
  if new.user_id is not null and new.user_id <> sms_monitor._system_wide_user() then
    insert into sms_monitor.sms_metric_active_users_daily (metric_date, user_id)
    values (new.metric_date, new.user_id)
    on conflict on constraint sms_metric_active_users_daily_pkey do nothing;
  end if;
  if new.metric_hour is not null then
    -- an hour bucket: the alert-window grains (its hour's sum, all 60 minutes of the user active)
    insert into sms_monitor.sms_metric_rollups_system as r (metric_date, metric_hour, metric_minute, metric_type, metric_value)
    values (new.metric_date, new.metric_hour, null, new.metric_type, coalesce(new.metric_value, 0))
    on conflict on constraint sms_metric_rollups_system_key do update
      set metric_value = r.metric_value + excluded.metric_value;
    if new.user_id is not null and new.user_id <> sms_monitor._system_wide_user() then
      insert into sms_monitor.sms_metric_active_minutes as a (metric_date, metric_hour, user_id, active_minutes, limit_minutes)
      values (new.metric_date, new.metric_hour, new.user_id, sms_monitor._minute_bits(null),
              case when new.metric_type = 'daily_limit_hit_count' and new.metric_value > 0 then sms_monitor._minute_bits(null) else 0 end)
      on conflict on constraint sms_metric_active_minutes_pkey do update
        set active_minutes = excluded.active_minutes,
            limit_minutes = a.limit_minutes | excluded.limit_minutes;
    end if;
  end if;
  return new;
end;
$$;

comment on function sms_monitor._sms_metrics_insert() is
  'Internal: INSTEAD OF INSERT on sms_metrics, adds whole buckets into sms_metric_rollups (owner only).';
revoke all on function sms_monitor._sms_metrics_insert() from public;
drop trigger if exists sms_metrics_insert on sms_monitor.sms_metrics;
create trigger sms_metrics_insert instead of insert on sms_monitor.sms_metrics
  for each row execute function sms_monitor._sms_metrics_insert();
