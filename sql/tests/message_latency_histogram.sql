-- The latency histogram: bucket edges, the percentile rank, and the documented accuracy: over
-- several distributions every percentile read from the histogram is within 1.5 % of
-- percentile_disc of the same latencies (the bound is (1.03 - 1) / (1.03 + 1) = 1.48 %).
begin;
set local search_path = pgtap, sms_monitor, pg_catalog;
select plan(15);

select is(array[_latency_bucket(0), _latency_bucket(-5), _latency_bucket(1), _latency_bucket(1.02),
                _latency_bucket(1.0301), _latency_bucket(1000), _latency_bucket(null)],
          array[0, 0, 0, 1, 2, 234, null], 'buckets: <= 1 ms in 0, then ceil(ln(ms) / ln(1.03))');
select is(_latency_histogram(x), '{0,234,258,2,5,6}'::integer[], 'the histogram: its buckets, then their running totals; NULL skipped')
  from unnest(array[0, 0.5, 1000, 999, 990, 2000, null]::double precision[]) x;
select is(_latency_histogram(x), '{}'::integer[], 'no latencies: an empty histogram')
  from unnest(array[]::double precision[]) x;
select is(_histogram_percentile('{}', 0.5), null, 'an empty histogram has no percentile');
select is(_latency_histogram_add('{10,20,1,3}', '{20,30,-2,-3}'), '{10,30,1,0}'::integer[],
  'histograms add per bucket (a delta may subtract); a bucket summing to 0 is left out');
select is(_latency_histogram_of(v.p), '{10,30,2,3}'::integer[], 'the histogram of (bucket, count) pairs')
  from (values (array[30, 1]), (array[10, 2]), (array[20, 1]), (array[20, -1])) v(p);
-- percentile_disc rank: 4 values in buckets 10, 20, 20, 30: p25 -> 1st (cumulative 1 >= 1),
-- p26 -> 2nd, p50 -> 2nd, p75 -> 3rd (bucket 20), p76 -> 4th
select is(array(select round(_histogram_percentile('{10,20,30,1,3,4}', q)::numeric, 6)
                  from unnest(array[0.25, 0.26, 0.5, 0.75, 0.76]) q),
          array(select round((2 * power(1.03::numeric, b) / 2.03), 6) from unnest(array[10, 20, 20, 20, 30]) b),
          'rank as percentile_disc, value 2 x 1.03^b / 2.03');
select is(_histogram_percentile('{0,5,3,4}', 0.75), 0::double precision, 'bucket 0 reads as 0 ms');
select is(_latency_histogram_sum(h), '{5,10,20,2,4,5}'::integer[], 'histograms summed')
  from (values ('{10,20,1,2}'::integer[]), ('{5,10,2,3}'), ('{}')) v(h);

-- distributions (deterministic): name, latencies in ms
create temp table d (name text, ms double precision);
insert into d select 'uniform 1 ms..100 s', 1 + mod(i * 7919, 100000) from generate_series(1, 20000) i;
insert into d select 'log-uniform 1 ms..1 day', exp(mod(i * 104729, 100003) / 100003.0 * ln(86400000)) from generate_series(1, 20000) i;
insert into d select 'bimodal 200 ms and 30 s', case when i % 10 = 0 then 30000 + mod(i * 31, 5000) else 200 + mod(i * 17, 50) end
  from generate_series(1, 20000) i;
insert into d select 'long tail', 1000 / power(1 - mod(i * 6007, 9973) / 9973.0, 1.5) from generate_series(1, 20000) i;
insert into d select 'few and equal', 4321 from generate_series(1, 7) i;
insert into d select 'sub-second 1..999 ms', 1 + mod(i * 13, 999) from generate_series(1, 5000) i;

create temp table errs as
select d.name, q, (select percentile_disc(q) within group (order by x.ms) from d x where x.name = d.name) as exact,
       (select _histogram_percentile(_latency_histogram(x.ms), q) from d x where x.name = d.name) as approx
  from (select distinct name from d) d cross join unnest(array[0.01, 0.5, 0.9, 0.95, 0.99, 0.999]) q;

select is(array(select format('p%s: %s from the histogram, %s exact', e.q, e.approx, e.exact)
                  from errs e where e.name = x.n and not abs(e.approx - e.exact) <= 0.015 * e.exact order by e.q),
          '{}'::text[], x.n || ': p1, p50, p90, p95, p99, p99.9 within 1.5 % of percentile_disc')
  from (select distinct name as n from d) x
 order by x.n;

select * from finish();
rollback;
