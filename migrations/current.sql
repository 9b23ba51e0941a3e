-- Latency histograms aggregate in built-in code (the state was a jsonb rebuilt per row: 35 µs a
-- message); check_sms_alerts folds the message events before it evaluates; message events are
-- validated and appended in one statement, the bounds checks without regular-expression repeats.
drop aggregate if exists sms_monitor._latency_histogram(double precision);
drop function if exists sms_monitor._latency_histogram_add(jsonb, double precision);
--!include functions/_latency_bucket.sql
--!include functions/_latency_histogram.sql
--!include functions/check_sms_alerts.sql
--!include functions/_is_canonical_uuid.sql
--!include functions/_message_event_problem.sql
--!include functions/record_sms_message_events.sql
