-- POST with an Idempotency-Key, step 1 (in the request's transaction, before the write): the
-- reply stored for this key and this token subject (_audit_subject) within the last 24 hours, or
-- no row (then the request runs and _idempotency_store keeps its reply). Holds a transaction lock
-- on the key, so a concurrent retry waits for the first to commit and then gets its reply. The
-- same key with a different request: 22023. Keys: 1 to 200 visible ASCII characters.
create or replace function sms_monitor._idempotency_claim(p_key text, p_request_hash text)
returns table (status integer, body text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_subject text := sms_monitor._audit_subject();
  v_row sms_monitor.sms_http_idempotency_keys;
begin
  if p_key is null or p_key !~ '^[\x21-\x7e]{1,200}$' then
    raise exception 'Idempotency-Key: must be 1 to 200 visible ASCII characters' using errcode = '22023';
  end if;
  perform pg_advisory_xact_lock(hashtextextended(v_subject || ' ' || p_key, 15));
  delete from sms_monitor.sms_http_idempotency_keys k
   where k.subject = v_subject and k.key = p_key and k.created_at < now() - interval '24 hours';
  select * into v_row from sms_monitor.sms_http_idempotency_keys k where k.subject = v_subject and k.key = p_key;
  if not found then
    return;
  end if;
  if v_row.request_hash is distinct from p_request_hash then
    raise exception 'Idempotency-Key: % was used for a different request in the last 24 hours', quote_literal(p_key)
      using errcode = '22023';
  end if;
  status := v_row.status;
  body := v_row.body;
  return next;
end;
$$;

comment on function sms_monitor._idempotency_claim(text, text) is
  'Internal (HTTP server): the stored reply of a POST retried with the same Idempotency-Key and token subject within 24 h, else no row.';
revoke all on function sms_monitor._idempotency_claim(text, text) from public;
grant execute on function sms_monitor._idempotency_claim(text, text) to sms_monitor_admin, sms_monitor_reader, sms_monitor_self;
