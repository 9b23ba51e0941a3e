-- What check_sms_alerts(p_now) would do, at any p_now (a "what if" in the future included), with
-- no effect: the engine runs with p_preview (no notification is queued, so no outbox row, no
-- NOTIFY and no sequence value is used) inside a subtransaction that is always rolled back, so
-- incidents, rule state and silences are as before. It takes the rules' locks for the moment it
-- runs, like a check. Needs a read-write transaction (it writes, then undoes).
create or replace function sms_monitor.preview_sms_alerts(p_now timestamptz default now())
returns table (
  alert_type text,
  action text,
  metric_value numeric,
  threshold_value numeric,
  sample_size bigint,
  alert_id uuid,
  detail text,
  group_by text,
  group_value text
)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_problem text := sms_monitor._reader_time_problem('now', p_now);
  v_rows jsonb;
begin
  if v_problem is not null then
    raise exception '%', v_problem using errcode = '22023';
  end if;
  begin
    select coalesce(jsonb_agg(to_jsonb(r) order by r.n), '[]'::jsonb) into v_rows
      from sms_monitor._alert_evaluate(p_now, true) with ordinality as r(alert_type, action, metric_value,
           threshold_value, sample_size, alert_id, detail, group_by, group_value, n);
    raise exception 'preview: rolled back' using errcode = 'SMP01';
  exception when sqlstate 'SMP01' then
    null;  -- v_rows survives the rollback (PL/pgSQL variables are not transactional)
  end;
  return query
    select x.alert_type, x.action, x.metric_value, x.threshold_value, x.sample_size, x.alert_id, x.detail,
           x.group_by, x.group_value
      from jsonb_to_recordset(v_rows) as x(alert_type text, action text, metric_value numeric, threshold_value numeric,
                                           sample_size bigint, alert_id uuid, detail text, group_by text,
                                           group_value text, n bigint)
     order by x.n;
end;
$$;

comment on function sms_monitor.preview_sms_alerts(timestamptz) is
  'What check_sms_alerts(p_now) would do at any p_now (default now()), changing nothing: same rows (one per rule, and per value of a per-dimension rule); an incident it '
  'would open has an alert_id that does not exist. No notification, no NOTIFY.';
revoke all on function sms_monitor.preview_sms_alerts(timestamptz) from public;
grant execute on function sms_monitor.preview_sms_alerts(timestamptz) to sms_monitor_reader, sms_monitor_admin;
