-- The minute buckets of the messages entering the pipeline in [p_from, p_to) (coalesce(sent_at,
-- final_at)), computed from sms_messages: the rows of sms_message_minute_stats for that range, of
-- every kind when p_every_kind, else of the kind p_dimension alone (NULL: every message). Used to
-- build the buckets (_rebuild_message_minute_stats), for the partial minutes at a read window's
-- edges (_message_stats) and to check the buckets against a recomputation. Row security of
-- sms_messages applies to the caller. No SET clause, every function name qualified: the planner
-- inlines it into the caller's query (a message read plans once instead of once per call of this).
create or replace function sms_monitor._message_minute_rows(
  p_from timestamptz, p_to timestamptz, p_every_kind boolean, p_dimension sms_monitor.message_dimension
)
returns table (minute timestamptz, dimension sms_monitor.message_dimension, value text, carrier_country text, messages bigint,
               sent bigint, delivered bigint, undelivered bigint, failed bigint, canceled bigint, waiting bigint,
               latency integer[], error_codes jsonb)
language sql
stable
security invoker
as $$
  select c.minute, c.dimension, c.value, c.carrier_country, pg_catalog.count(*), pg_catalog.sum(c.sent),
         pg_catalog.sum(c.delivered), pg_catalog.sum(c.undelivered), pg_catalog.sum(c.failed),
         pg_catalog.sum(c.canceled), pg_catalog.sum(c.waiting), sms_monitor._latency_histogram(c.latency_ms),
         sms_monitor._count_map(c.error_code)
    from sms_monitor.sms_messages s
   cross join lateral sms_monitor._message_contributions(s) c
   where coalesce(s.sent_at, s.final_at) >= p_from and coalesce(s.sent_at, s.final_at) < p_to
     and (p_every_kind or (p_dimension is null and c.dimension is null) or c.dimension = p_dimension)
   group by c.minute, c.dimension, c.value, c.carrier_country
$$;

comment on function sms_monitor._message_minute_rows(timestamptz, timestamptz, boolean, sms_monitor.message_dimension) is
  'Internal: the sms_message_minute_stats rows of the messages entering in [p_from, p_to), from sms_messages '
  '(every kind, or p_dimension''s alone).';
revoke all on function sms_monitor._message_minute_rows(timestamptz, timestamptz, boolean, sms_monitor.message_dimension) from public;
grant execute on function sms_monitor._message_minute_rows(timestamptz, timestamptz, boolean, sms_monitor.message_dimension)
  to sms_monitor_reader, sms_monitor_self, sms_monitor_admin;
