-- Keeps sms_metric_active_user_counts (users per reporting day) equal to the number of rows of
-- each day in sms_metric_active_users_daily, whoever writes them (the rollup, the sms_metrics
-- insert trigger, retention, _rebuild_system_rollups): statement triggers after INSERT and after
-- DELETE add and subtract the rows of the statement per day. After an INSERT ... ON CONFLICT DO
-- NOTHING the statement's rows are the pairs it inserted, so a user counts once a day. Days are
-- added in date order (two writers of the same days lock their rows in the same order); a day
-- whose count reaches 0 loses its row. The table is never updated or truncated (pairs are added
-- and deleted), so there is no other trigger.
create or replace function sms_monitor._active_user_counts_apply()
returns trigger
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  if tg_op = 'INSERT' then
    insert into sms_monitor.sms_metric_active_user_counts as c (metric_date, users)
    select n.metric_date, count(*) from new_pairs n group by n.metric_date order by n.metric_date
    on conflict on constraint sms_metric_active_user_counts_pkey do update set users = c.users + excluded.users;
  else
    -- the days that lose all their users first, then the others (a count below its rows would
    -- break the table's check and fail the statement rather than store a wrong count)
    delete from sms_monitor.sms_metric_active_user_counts c
     using (select o.metric_date, count(*) as n from old_pairs o group by o.metric_date) g
     where c.metric_date = g.metric_date and c.users = g.n;
    update sms_monitor.sms_metric_active_user_counts c
       set users = c.users - g.n
      from (select o.metric_date, count(*) as n from old_pairs o group by o.metric_date) g
     where c.metric_date = g.metric_date;
  end if;
  return null;
end;
$$;

comment on function sms_monitor._active_user_counts_apply() is
  'Internal: statement trigger of sms_metric_active_users_daily (after INSERT, after DELETE) that keeps '
  'sms_metric_active_user_counts, its rows per day.';
revoke all on function sms_monitor._active_user_counts_apply() from public;
