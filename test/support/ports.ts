// Ports for a whole `npm start -- --port <base>` in a test: every port the system will listen on must be free (each
// service's port and metrics port, and the development issuer's).
import { devIssuerPort } from '../../tools/dev/issuer.ts';
import { freePortBlock } from '../../tools/dev/ports.ts';
import { METRICS_PORT_OFFSET, SERVICES, shiftedPort } from '../../tools/dev/services.ts';

export const freeStartBase = (): Promise<number> => {
  const services = SERVICES.map((s) => shiftedPort(s, 0));
  return freePortBlock([...services, ...services.map((p) => p + METRICS_PORT_OFFSET), devIssuerPort(0)]);
};
