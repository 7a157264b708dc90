// The checkov policies the offline check waives somewhere (exceptions.ts, each with its resource and reason), as the
// comma-separated list `checkov --skip-check` takes in .github/workflows/ci.yml. checkov can only skip a policy
// everywhere; npm run check:terraform keeps each waiver to its one resource.
import { EXCEPTIONS } from './exceptions.ts';

console.log([...new Set(EXCEPTIONS.map((e) => e.policy))].sort().join(','));
