// `npm run notebook`: executes notebooks/api-walkthrough.ipynb headless against BASE_URL, handing it the same tokens the
// acceptance suite uses (ACCEPTANCE_ADMIN_TOKEN / ACCEPTANCE_USER_TOKEN, or minted by the npm start issuer).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findTokens } from '../acceptance/token.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const baseUrl = (process.env.BASE_URL || 'http://localhost:3000').replace(/\/$/, '');
const tokens = await findTokens(baseUrl);
if (!tokens) {
  console.error(
    'notebook: set ACCEPTANCE_ADMIN_TOKEN and ACCEPTANCE_USER_TOKEN, or start the system with npm start on this machine',
  );
  process.exit(2);
}
const child = spawn(
  '/usr/bin/jupyter',
  [
    'nbconvert',
    '--to',
    'notebook',
    '--execute',
    'notebooks/api-walkthrough.ipynb',
    '--output-dir',
    '.cache/notebooks',
    '--ExecutePreprocessor.timeout=120',
  ],
  {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      ...process.env,
      PYDEVD_DISABLE_FILE_VALIDATION: '1',
      BASE_URL: baseUrl,
      ADMIN_TOKEN: tokens.admin,
      USER_TOKEN: tokens.user,
    },
  },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
