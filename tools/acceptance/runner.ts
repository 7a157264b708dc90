// Runs named checks in order, times them, and skips a check whose inputs an earlier failure never produced.
import { describeNetworkError } from './client.ts';
import { CheckFailure } from './expect.ts';

export type Outcome = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  name: string;
  outcome: Outcome;
  ms: number;
  detail?: string;
}

export class Runner {
  readonly results: CheckResult[] = [];
  readonly #onResult: (result: CheckResult) => void;

  constructor(onResult: (result: CheckResult) => void = () => {}) {
    this.#onResult = onResult;
  }

  /**
   * Runs `fn` as one check and returns its value, or undefined when it failed or was skipped.
   * `needs` are values earlier checks produced: if any is missing, the check is skipped rather than run blind.
   */
  async check<T>(name: string, needs: readonly unknown[], fn: () => Promise<T>): Promise<T | undefined> {
    if (needs.some((value) => value === undefined)) {
      this.#record({ name, outcome: 'skip', ms: 0, detail: 'an earlier check it depends on failed' });
      return undefined;
    }
    const started = performance.now();
    try {
      const value = await fn();
      this.#record({ name, outcome: 'pass', ms: performance.now() - started });
      return value;
    } catch (err) {
      const detail = err instanceof CheckFailure ? err.message : `request failed: ${describeNetworkError(err)}`;
      this.#record({ name, outcome: 'fail', ms: performance.now() - started, detail });
      return undefined;
    }
  }

  get failed(): number {
    return this.results.filter((r) => r.outcome !== 'pass').length;
  }

  #record(result: CheckResult): void {
    this.results.push(result);
    this.#onResult(result);
  }
}
