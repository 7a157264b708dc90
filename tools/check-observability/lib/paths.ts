import { join } from 'node:path';

export const REPO = join(import.meta.dirname, '..', '..', '..');
export const OBS = join(REPO, 'deploy', 'observability');
export const RULES_DIR = join(OBS, 'rules');
export const TESTS_DIR = join(OBS, 'tests');
export const DASHBOARDS_DIR = join(OBS, 'dashboards');
export const ALERTMANAGER_CONFIG = join(OBS, 'alertmanager', 'alertmanager.yml');
export const RUNBOOKS_DIR = join(REPO, 'docs', 'runbooks');
export const CACHE_DIR = join(REPO, '.cache', 'check-observability');
