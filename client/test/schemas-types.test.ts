// The client's response types are derived from the JSON Schemas (client/schemas.ts, FromSchema):
// the type check (`npm test` runs tsc) holds them to what callers rely on: the keys, their
// nullability, the generated enums. A derivation that degraded to unknown or never fails here.
import { describe, expect, it } from 'vitest';
import type {
  AlertDetailResponse, AlertJson, AlertRulesResponse, DailyMetrics, HealthResponse, MetricsSummaryResponse,
  TodayMetricsResponse, TopUsersResponse,
} from '../types.ts';
import type { AlertSeverity, NotificationChannel, NotificationStatus } from '../generated/enums.ts';
import { ALERT_JSON_SCHEMA, HEALTH_RESPONSE } from '../schemas.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const holds = <T extends true>(): T => true as T;

describe('types derived from the response schemas', () => {
  it('keep the keys, nullability and enums callers rely on', () => {
    holds<Equal<AlertJson['severity'], AlertSeverity>>();
    holds<Equal<AlertJson['duration_seconds'], number | null>>();
    holds<Equal<AlertJson['unit'], 'percent' | 'ratio' | 'seconds' | null>>();
    holds<Equal<AlertJson['notification_status'], Record<string, NotificationStatus>>>();
    holds<Equal<DailyMetrics['active_users'], number | undefined>>();
    holds<Equal<DailyMetrics['delivery_rate_percent'], number | null>>();
    holds<Equal<TodayMetricsResponse['data']['active_users'], number>>();
    holds<Equal<TodayMetricsResponse['source'], 'sms_metrics_daily' | 'live'>>();
    holds<Equal<HealthResponse['data']['status'], 'critical' | 'degraded' | 'healthy' | 'unknown'>>();
    holds<Equal<HealthResponse['data']['overall_healthy'], boolean | null>>();
    holds<Equal<MetricsSummaryResponse['data']['week']['days'], 7>>();
    holds<Equal<MetricsSummaryResponse['data']['alerts']['recent'], AlertJson[]>>();
    holds<Equal<AlertDetailResponse['data']['channels'][number]['channel'], NotificationChannel>>();
    holds<Equal<AlertRulesResponse['data'][number]['notification_channels'], NotificationChannel[]>>();
    holds<Equal<TopUsersResponse['by'], 'sent' | 'cost' | 'failures'>>();
    holds<Equal<TopUsersResponse['success'], true>>();
    // @ts-expect-error: no such key in the schema, so none in the type
    holds<Equal<AlertJson['bogus'], unknown>>();
    // Every key of the schema is required and listed once.
    expect(ALERT_JSON_SCHEMA.required).toEqual(Object.keys(ALERT_JSON_SCHEMA.properties));
    expect(HEALTH_RESPONSE.properties.data.additionalProperties).toBe(false);
  });
});
