// RealWorld user tokens: HS256 JWTs carrying the user id as `sub`, signed with CONDUIT_JWT_SECRET.
import { SignJWT, jwtVerify } from 'jose';

export class Tokens {
  private readonly key: Uint8Array;
  private readonly ttlSeconds: number;
  constructor(secret: string, ttlSeconds: number) {
    this.key = new TextEncoder().encode(secret);
    this.ttlSeconds = ttlSeconds;
  }

  sign(userId: string, username: string): Promise<string> {
    return new SignJWT({ username })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  /** The user id the token speaks for, or undefined when it is malformed, forged or expired. */
  async verify(token: string): Promise<string | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] });
      return typeof payload.sub === 'string' && /^\d{1,19}$/.test(payload.sub) ? payload.sub : undefined;
    } catch {
      return undefined;
    }
  }
}
