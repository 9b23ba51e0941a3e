-- Raises SQLSTATE 22023 with p_message; returns numeric only so it can stand in a CASE branch of
-- an expression (an upsert's SET list) that must refuse a value without a subtransaction.
-- Volatile so the planner never evaluates it ahead of the CASE condition.
create or replace function sms_monitor._raise_22023(p_message text)
returns numeric
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  raise exception '%', p_message using errcode = '22023';
end;
$$;

comment on function sms_monitor._raise_22023(text) is
  'Internal: raises 22023 with the message (for CASE branches inside SQL statements).';
revoke all on function sms_monitor._raise_22023(text) from public;
