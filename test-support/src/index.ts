export { freePort } from './free-port.js';
export { installedPostgresBin, postgresBin, startThrowawayPostgres, type ThrowawayPostgres, type ThrowawayPostgresOptions } from './postgres.js';
