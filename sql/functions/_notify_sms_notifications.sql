-- Statement-level AFTER INSERT trigger on sms_alert_notifications: one NOTIFY per statement on
-- channel _notify_channel() (sms_monitor_notifications) whose payload is a JSON array of the new ids (ascending). A
-- NOTIFY payload must stay under 8000 bytes, so the array is cut to the first ids that fit in
-- 7000 bytes; the notifier treats NOTIFY only as a hint and drains the table anyway.
create or replace function sms_monitor._notify_sms_notifications()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_ids text;
begin
  select '[' || coalesce(string_agg(x.id::text, ',' order by x.id), '') || ']'
    into v_ids
    from (
      select n.id, sum(length(n.id::text) + 1) over (order by n.id) as running
        from new_rows n
    ) x
   where x.running <= 6998;
  if v_ids <> '[]' then
    perform pg_notify(sms_monitor._notify_channel(), v_ids);
  end if;
  return null;
end;
$$;

comment on function sms_monitor._notify_sms_notifications() is
  'Internal trigger: NOTIFY sms_monitor_notifications with a JSON array of the inserted ids (<= 7000 bytes).';
revoke all on function sms_monitor._notify_sms_notifications() from public;
