import { afterEach, beforeEach } from 'vitest';

/** What a contract suite gets from the implementation under test. */
export interface ContractSetup<T> {
  readonly subject: T;
  /** Called after each test: drop the test's schema / key prefix. */
  readonly teardown?: () => Promise<void>;
}

/**
 * Options of every contract suite (`runPriceStoreContract({ name, setup })`, ...). Each test calls `setup`
 * for a fresh, isolated subject (its own Postgres schema, its own Redis key prefix).
 */
export interface ContractOptions<T> {
  /** Shown in the suite's title, e.g. `memory` or `postgres`. */
  readonly name: string;
  readonly setup: () => Promise<ContractSetup<T>>;
  /** fast-check runs for the property tests inside the suite; fewer against a real server. @default 100 */
  readonly propertyRuns?: number;
}

/**
 * Registers the per-test setup and teardown of a contract suite: before each test a fresh subject from
 * `options.setup()` is handed to `use`; after it, the subject's teardown runs.
 */
export function useContractSubject<T>(options: ContractOptions<T>, use: (subject: T) => void): void {
  let teardown: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    const setup = await options.setup();
    use(setup.subject);
    teardown = setup.teardown;
  });
  afterEach(async () => {
    await teardown?.();
    teardown = undefined;
  });
}
