-- _message_stats reads three sources: the minute buckets, the hour buckets and, for the partial
-- minutes at a window's edges, sms_messages. A window finds its messages in whichever of them holds
-- them, also when the others are empty (messages gone while their buckets stay, minutes gone while
-- their hour stays), and a window with nothing in any source returns no row. Times are fixed
-- offsets from a whole hour three hours back, so the test does not depend on the clock's minute.
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(10);

create temp table h as
select date_bin('1 hour', now() - interval '3 hours', timestamptz '2000-01-01 00:00:00+00') as h;
create function pg_temp.at(p_offset interval) returns timestamptz language sql as $f$
  select (select h.h from h) + p_offset
$f$;
create function pg_temp.ev(p_id text, p_status text, p_at timestamptz) returns jsonb language sql as $f$
  select jsonb_build_object('message_id', p_id, 'status', p_status, 'carrier', 'A',
                            'occurred_at', to_char(p_at, 'YYYY-MM-DD"T"HH24:MI:SS.USOF'))
$f$;
create function pg_temp.counts(p_dim sms_monitor.message_dimension, p_from interval, p_to interval)
returns text language sql as $f$
  select coalesce(string_agg(format('%s:%s/%s/%s', coalesce(m.value, '*'), m.messages, m.sent, m.delivered), ' '
                             order by m.value), 'none')
    from sms_monitor._message_stats(p_dim, pg_temp.at(p_from), pg_temp.at(p_to), null, false) m
$f$;

-- three messages sent at :20:30 and delivered at :20:40
select sms_monitor.record_sms_message_events((
  select jsonb_agg(e) from generate_series(1, 3) i,
         lateral (values (pg_temp.ev('M' || i, 'sent', pg_temp.at('20 min 30 s'))),
                         (pg_temp.ev('M' || i, 'delivered', pg_temp.at('20 min 40 s')))) v(e)));
select sms_monitor.rollup_sms_messages();

select is(pg_temp.counts(null, '10 min', '50 min'), '*:3/3/3', 'whole minutes: from the minute buckets');
select is(pg_temp.counts(null, '20 min 10 s', '20 min 50 s'), '*:3/3/3', 'inside one minute: from sms_messages');
select is(pg_temp.counts(null, '20 min 31 s', '20 min 50 s'), 'none', 'inside the minute, after the sends: nothing');
select is(pg_temp.counts(null, '1 day', '1 day 1 hour'), 'none', 'a window with no message anywhere: no row');

-- the messages gone (as retention removes them), their buckets kept
delete from sms_monitor.sms_messages;
select is(pg_temp.counts(null, '10 min', '50 min'), '*:3/3/3', 'no message rows: the minute buckets still count');
select is(pg_temp.counts('carrier', '10 min', '50 min'), 'A:3/3/3', 'per carrier too');
select is(pg_temp.counts(null, '20 min 10 s', '20 min 50 s'), 'none', 'inside one minute: no message rows, nothing');

-- the minutes gone, the hour kept
delete from sms_monitor.sms_message_minute_stats where minute >= pg_temp.at('0 s') and minute < pg_temp.at('1 hour');
select is(pg_temp.counts(null, '0 s', '1 hour'), '*:3/3/3', 'the whole hour: from the hour bucket');
select is(pg_temp.counts('carrier', '0 s', '1 hour'), 'A:3/3/3', 'per carrier from the hour bucket');
select is(pg_temp.counts(null, '-1 hour', '2 hours'), '*:3/3/3', 'three hours around it: the hour bucket counted once');

select * from finish();
rollback;
