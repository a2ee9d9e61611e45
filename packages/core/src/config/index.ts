export { configSchema, type SefConfig, type SefConfigInput } from './schema.js';
export { parseConfig, configFromEnv, configEnvNames } from './parse-config.js';
