export { freePort } from './free-port.js';
export { haproxyInstalled, startHaproxy, type HaproxyOptions, type RunningHaproxy } from './haproxy.js';
export { installedPostgresBin, postgresBin, startThrowawayPostgres, type ThrowawayPostgres, type ThrowawayPostgresOptions } from './postgres.js';
export { patroniInstalled, startPatroniCluster, type PatroniCluster, type PatroniMember } from './patroni.js';
