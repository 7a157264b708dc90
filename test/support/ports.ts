// Ports for a whole `npm start -- --port <base>` in a test: every port the launcher checks must be free.
import { devIssuerPort } from '../../tools/dev/issuer.ts';
import { freePortBlock } from '../../tools/dev/ports.ts';
import { SERVICES, shiftedPort } from '../../tools/dev/services.ts';

export const freeStartBase = (): Promise<number> =>
  freePortBlock([...SERVICES.map((s) => shiftedPort(s, 0)), devIssuerPort(0)]);
