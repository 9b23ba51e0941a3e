-- POST with an Idempotency-Key, step 2 (same transaction, after the write succeeded): keeps the
-- reply for 24 hours under the token subject and the key (_idempotency_claim read nothing and holds
-- the key's lock), and drops up to 100 expired keys of anyone on the way.
create or replace function sms_monitor._idempotency_store(p_key text, p_request_hash text, p_status integer, p_body text)
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  insert into sms_monitor.sms_http_idempotency_keys (subject, key, request_hash, status, body)
  values (sms_monitor._audit_subject(), p_key, p_request_hash, p_status, p_body);
  delete from sms_monitor.sms_http_idempotency_keys k
   where k.ctid in (select o.ctid from sms_monitor.sms_http_idempotency_keys o
                     where o.created_at < now() - interval '24 hours' limit 100);
end;
$$;

comment on function sms_monitor._idempotency_store(text, text, integer, text) is
  'Internal (HTTP server): keeps a POST''s reply under its Idempotency-Key and token subject for 24 h.';
revoke all on function sms_monitor._idempotency_store(text, text, integer, text) from public;
grant execute on function sms_monitor._idempotency_store(text, text, integer, text) to sms_monitor_admin, sms_monitor_reader, sms_monitor_self;
