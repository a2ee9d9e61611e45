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
