// Passwords are stored as argon2id hashes (OWASP's minimum profile: 19 MiB, 2 passes), sized for a 256 Mi pod.
import { hash, verify } from '@node-rs/argon2';

const PROFILE = { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => hash(password, PROFILE);

export async function passwordMatches(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** A hash to verify against when the email is unknown, so a miss costs as long as a wrong password. */
export const decoyHash = hashPassword('conduit-decoy-password');
