export { createPostgresStorage, type PostgresStorageOptions } from './storage.js';
export { migrate, type MigrateOptions, type MigrateResult } from './migrate.js';
export { migrations, type Migration } from './migrations.js';
export {
  dataQualityOverTime,
  replicaPerformance,
  failoverPerformance,
  type MonitoringOptions,
  type FailoverPerformanceOptions,
  type DataQualityRow,
  type ReplicaPerformanceRow,
  type FailoverPerformanceRow,
} from './monitoring.js';
export { createPostgresLeaseManager, type PostgresLeaseManagerOptions } from './lease-manager.js';
