// Public entry point: `import { createSmsMonitor } from 'sms-monitor'`.
export * from './client.ts';
export type { BufferOptions, BufferStats } from './buffer.ts';
export {
  SmsMonitorClosedError,
  SmsMonitorConnectionError,
  SmsMonitorDatabaseError,
  SmsMonitorError,
  SmsMonitorNotFoundError,
  SmsMonitorPermissionError,
  SmsMonitorValidationError,
  toSmsMonitorError,
} from './errors.ts';
export type { Json, SmsMonitorFunctionName, SmsMonitorFunctions } from './generated/functions.ts';
export { smsMonitorFunctions } from './generated/functions.ts';
export type { DB } from './generated/db.ts';
