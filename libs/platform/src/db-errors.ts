// PostgreSQL and driver errors, classified once: metrics, the 503 mapping and unique-violation checks all use this.
// No import of pg here, so the gateway can classify errors without loading the driver.

export type DbErrorKind = 'connection' | 'auth' | 'timeout' | 'query';

const CONNECTION_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH', 'ETIMEDOUT'];
const CONNECTION_MESSAGE =
  /Connection terminated|connection error|terminating connection|timeout exceeded when trying to connect|connection timeout/i;

/** Classifies a PostgreSQL/driver error for `db_client_errors_total{kind}` and for the 503 mapping. */
export function errorKind(err: unknown): DbErrorKind {
  const e = err as { code?: string; message?: string } | undefined;
  const code = e?.code ?? '';
  const message = e?.message ?? '';
  if (code === '28P01' || code === '28000') return 'auth';
  if (code === '57014' || /timeout/i.test(message)) return 'timeout';
  if (code.startsWith('08') || code.startsWith('57P') || code === '53300' || CONNECTION_CODES.includes(code))
    return 'connection';
  if (CONNECTION_MESSAGE.test(message)) return 'connection';
  return 'query';
}

/** A data layer that cannot be reached or did not answer in time: the request may succeed later (503). */
export function isUnavailableError(err: unknown): boolean {
  if (!err) return false;
  const kind = errorKind(err);
  return kind === 'connection' || kind === 'timeout';
}

/** 23505: the row would duplicate a unique key. */
export const isUniqueViolation = (err: unknown): boolean => (err as { code?: string } | undefined)?.code === '23505';
