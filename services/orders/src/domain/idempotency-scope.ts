// Idempotency keys are scoped to the caller: one caller's key can neither replay nor block another's request.
import { createHash } from 'node:crypto';

/** The key as stored: a hash of the token subject and the client's key (fits the 255-character column). */
export function scopedKey(subject: string, key: string): string {
  return createHash('sha256').update(`${subject}\u0000${key}`).digest('hex');
}
