-- Records the outcome of one delivery attempt by the worker that holds the lease:
--   sent   -> status sent, sent_at now(); the provider answers again, so the channel's other rows
--             that wait after a temporary failure are due at once (quick recovery after an outage)
--   retry  -> temporary (429, 5xx, timeout, network): pending again at coalesce(p_retry_at, now()),
--             retries + 1; it does not use up max_attempts. Dead only once retry_until (24 h after
--             the row was queued) has passed.
--   failed -> failed (permanent: the provider said the request can never succeed)
--   defer  -> pending again at coalesce(p_retry_at, now()) WITHOUT counting the attempt (attempts - 1):
--             the notifier's own pacing (Slack's one message per second) kept it from trying; never
--             dead, last_error unchanged
-- p_error goes to last_error (provider text, never a secret). Returns the resulting status, or
-- 'lost' (nothing changed) when the row is no longer pending or is leased by another worker.
-- A trigger that did not get through while its incident's resolve waits behind it is superseded
-- (_alert_supersede_unreached): nobody is paged for what is over.
create or replace function sms_monitor.complete_sms_notification(
  p_id bigint,
  p_worker text,
  p_outcome text,
  p_error text default null,
  p_retry_at timestamptz default null
)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_row sms_monitor.sms_alert_notifications;
  v_status text;
begin
  if p_id is null then
    raise exception 'id: is required' using errcode = '22023';
  end if;
  if p_outcome is null or p_outcome not in ('sent', 'retry', 'failed', 'defer') then
    raise exception 'outcome: must be sent, retry, failed or defer (got %)', coalesce(quote_literal(p_outcome), 'NULL')
      using errcode = '22023';
  end if;
  if p_retry_at is not null and not isfinite(p_retry_at) then
    raise exception 'retry_at: must be a finite time' using errcode = '22023';
  end if;
  if p_worker is not null and length(p_worker) > 200 then
    raise exception 'worker: must be at most 200 characters' using errcode = '22023';
  end if;
  select * into v_row from sms_monitor.sms_alert_notifications n where n.id = p_id for update;
  if not found then
    raise exception 'id: notification % does not exist', p_id using errcode = 'P0002';
  end if;
  if v_row.status <> 'pending' or v_row.locked_by is distinct from p_worker then
    return 'lost';
  end if;

  v_status := case
    when p_outcome = 'sent' then 'sent'
    when p_outcome = 'failed' then 'failed'
    when p_outcome = 'defer' then 'pending'
    when now() >= v_row.retry_until then 'dead'
    else 'pending'
  end;
  update sms_monitor.sms_alert_notifications n
     set status = v_status,
         sent_at = case when v_status = 'sent' then now() else n.sent_at end,
         next_attempt_at = case when v_status = 'pending' then coalesce(p_retry_at, now()) else n.next_attempt_at end,
         last_error = case
           when p_outcome in ('sent', 'defer') then n.last_error
           when v_status = 'dead' then left(coalesce(p_error, 'temporary failure') || format(
             '; gave up: still failing %s h after it was queued', floor(extract(epoch from now() - n.created_at) / 3600)::bigint), 2000)
           else left(p_error, 2000) end,
         attempts = case when p_outcome = 'defer' then greatest(n.attempts - 1, 0) else n.attempts end,
         retries = case when p_outcome = 'retry' then n.retries + 1 else n.retries end,
         locked_by = null,
         locked_until = null,
         updated_at = now()
   where n.id = p_id;
  if v_status = 'sent' then
    -- The provider is back: what waits on this channel after a temporary failure goes now.
    -- (skip locked: a row locked elsewhere stays on its own schedule; no lock waits, no deadlocks)
    update sms_monitor.sms_alert_notifications n
       set next_attempt_at = now(), updated_at = now()
     where n.id in (
       select w.id from sms_monitor.sms_alert_notifications w
        where w.status = 'pending' and w.channel = v_row.channel and w.retries > 0 and w.next_attempt_at > now()
          and (w.locked_until is null or w.locked_until <= now())
          for update skip locked);
  elsif v_row.event <> 'resolve' then
    if sms_monitor._alert_supersede_unreached(v_row.alert_id) > 0 then
      select n.status into v_status from sms_monitor.sms_alert_notifications n where n.id = p_id;
    end if;
  end if;
  perform sms_monitor._alert_sync_notification_status(v_row.alert_id);
  return v_status;
end;
$$;

comment on function sms_monitor.complete_sms_notification(bigint, text, text, text, timestamptz) is
  'Notifier: records a delivery outcome (sent | retry | failed | defer) for a row leased by p_worker; returns the new '
  'status (sent, pending, failed, dead, superseded) or lost when the lease was lost. retry: pending again at p_retry_at, '
  'not counted against max_attempts, dead only after retry_until (24 h). sent: the channel''s rows waiting after a '
  'temporary failure are due at once. defer: pending again at p_retry_at with the attempt not counted. '
  'NULL id or bad outcome: 22023; unknown id: P0002.';
revoke all on function sms_monitor.complete_sms_notification(bigint, text, text, text, timestamptz) from public;
grant execute on function sms_monitor.complete_sms_notification(bigint, text, text, text, timestamptz)
  to sms_monitor_admin, sms_monitor_notifier;
