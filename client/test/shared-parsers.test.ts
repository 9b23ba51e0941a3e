// The one duration grammar, UUID check and error classifier that the client, the CLI, the notifier
// and the HTTP server share (client/duration.ts, client/validate.ts, client/errors.ts).
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../duration.ts';
import { classifyError, SmsMonitorConnectionError, SmsMonitorDatabaseError, SmsMonitorValidationError, toSmsMonitorError } from '../errors.ts';
import { isUuid } from '../validate.ts';
import { parseDuration as cliDuration } from '../../cli/common.ts';
import { isConnectionError, problemHint } from '../../notifier/daemon.ts';
import { classify } from '../../server/errors.ts';

const pgError = (code: string) => new postgres.PostgresError({ code, message: `error ${code}` } as never);

describe('one duration grammar', () => {
  it('units d, h, m, s, ms, largest first, decimals, or bare seconds', () => {
    const cases: Array<[string, number | null]> = [['250ms', 250], ['5s', 5000], ['2m', 120_000], ['1h', 3_600_000],
      ['1d', 86_400_000], ['1h30m', 5_400_000], ['1h 30m', 5_400_000], ['1d12h', 129_600_000], ['1.5s', 1500],
      ['30', 30_000], ['1m1ms', 60_001], ['', null], ['soon', null], ['30m2h', null], ['1x', null], ['5 min', null]];
    expect(cases.map(([t]) => [t, parseDuration(t)])).toEqual(cases);
  });

  it('the CLI uses it and refuses zero', () => {
    expect(cliDuration('1h30m')).toBe(5_400_000);
    expect(() => cliDuration('0s')).toThrow('"0s" must be longer than zero');
    expect(() => cliDuration('soon')).toThrow('"soon" is not a duration (e.g. 30m, 2h, 1h30m, 1d)');
  });
});

describe('one UUID check', () => {
  it('8-4-4-4-12 hex digits, any case', () => {
    expect(['00000000-0000-0000-0000-0000000000a1', 'ABCDEF01-2345-6789-ABCD-EF0123456789', 'x', '00000000-0000-0000-0000-0000000000a']
      .map(isUuid)).toEqual([true, true, false, false]);
  });
});

describe('one error classifier', () => {
  it('kinds by SQLSTATE, network code or neither', () => {
    const kinds = ['22023', '22P02', '42501', 'P0002', '42883', '3F000', '28P01', '3D000', '08006', '57P01', '53300', '57014', '23505']
      .map((c) => [c, classifyError(pgError(c)).kind]);
    expect(kinds).toEqual([['22023', 'invalid'], ['22P02', 'invalid'], ['42501', 'permission'], ['P0002', 'not_found'],
      ['42883', 'schema'], ['3F000', 'schema'], ['28P01', 'login'], ['3D000', 'login'], ['08006', 'connection'],
      ['57P01', 'connection'], ['53300', 'connection'], ['57014', 'database'], ['23505', 'database']]);
    expect(classifyError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toEqual(
      { kind: 'connection', code: 'ECONNREFUSED', message: 'refused' });
    expect(classifyError(new TypeError('x'))).toEqual({ kind: 'client', code: '', message: 'x' });
  });

  it('the client, the notifier and the server read the same kinds', () => {
    expect(toSmsMonitorError(pgError('22023'))).toBeInstanceOf(SmsMonitorValidationError);
    expect(toSmsMonitorError(pgError('53300'))).toBeInstanceOf(SmsMonitorConnectionError);
    expect(toSmsMonitorError(pgError('57014'))).toBeInstanceOf(SmsMonitorDatabaseError);
    expect(classifyError(toSmsMonitorError(pgError('42883')))).toMatchObject({ kind: 'schema', sqlstate: '42883' });
    expect([isConnectionError(pgError('53300')), isConnectionError(pgError('57014'))]).toEqual([true, false]);
    expect(problemHint(pgError('28P01'))).toBe('SQLSTATE 28P01: check DATABASE_URL (role, password, database name)');
    expect(['22007', '42501', 'P0002', '42883'].map((c) => classify(pgError(c)).status)).toEqual([400, 403, 404, 500]);
  });
});
