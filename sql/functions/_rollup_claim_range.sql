-- The reusable half of an exactly-once incremental rollup (the pg_incremental / Citus pattern):
-- claims the log ids (from_id, to_id] that rollup p_rollup may aggregate now, and advances its
-- watermark to to_id. The caller aggregates exactly that range in the same transaction, so the
-- claim and the rollup commit or roll back together (a run killed mid-way loses and doubles nothing).
--   1. pg_advisory_xact_lock per rollup name: runs of one rollup are serialized; a second run waits
--      and then reads the watermark the first one committed.
--   2. Writers take their id (nextval) inside an INSERT, i.e. while holding ROW EXCLUSIVE on the log.
--      Taking EXCLUSIVE on the log (in a subtransaction that is rolled back at once, so the lock is
--      released again) waits until every writer that may hold an id below the sequence's current
--      value has committed or rolled back. Ids after that are greater than to_id.
--   3. to_id := the sequence's last value, read while EXCLUSIVE is still held; every id <= to_id
--      is now committed (visible to the next statement's snapshot, READ COMMITTED) or never will be.
-- Needs READ COMMITTED (a REPEATABLE READ snapshot taken before step 2 would miss those rows): 55000.
create or replace function sms_monitor._rollup_claim_range(
  p_rollup text,
  p_log regclass,
  p_sequence regclass,
  out from_id bigint,
  out to_id bigint
)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  if current_setting('transaction_isolation') <> 'read committed' then
    raise exception 'rollup %: needs READ COMMITTED (got %)', p_rollup, current_setting('transaction_isolation')
      using errcode = '55000';
  end if;
  perform pg_advisory_xact_lock(hashtext('sms_monitor rollup'), hashtext(p_rollup));
  select w.last_id into from_id from sms_monitor.sms_rollup_watermarks w where w.rollup_name = p_rollup for update;
  if from_id is null then
    raise exception 'rollup %: no row in sms_rollup_watermarks', p_rollup using errcode = '55000';
  end if;
  begin
    execute format('lock table %s in exclusive mode', p_log);
    -- read while the lock is held: once it is released a new writer may take an id and still be
    -- running when the rollup reads (a variable keeps its value through the rollback below)
    to_id := coalesce(pg_sequence_last_value(p_sequence), 0);
    -- rolling the subtransaction back is how the lock is released before the aggregation
    raise exception 'release the log lock' using errcode = 'SMSRL';
  exception when sqlstate 'SMSRL' then
    -- expected: the lock is released, to_id stands
    to_id := to_id;
  end;
  to_id := greatest(to_id, from_id);
  update sms_monitor.sms_rollup_watermarks w
     set last_id = to_id, rolled_up_at = now()
   where w.rollup_name = p_rollup;
end;
$$;

comment on function sms_monitor._rollup_claim_range(text, regclass, regclass) is
  'Internal: serializes rollup p_rollup, waits out writers holding lower ids, returns the id range (from_id, to_id] '
  'to aggregate and advances the watermark to to_id in the caller''s transaction.';
revoke all on function sms_monitor._rollup_claim_range(text, regclass, regclass) from public;
