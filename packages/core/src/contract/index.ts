/**
 * `@ratestore/core/contract`: what the engine, the HTTP server and both clients must agree on,
 * stated once. Error codes with their HTTP status and meaning, the batch-id rule, days, the names of
 * values on the wire, and the wire shape of every result with its way back. It imports nothing (no
 * package, no `node:` module), so the browser-safe remote client takes it without the engine.
 *
 * The engine uses only its HTTP-free parts (batch ids, days, and the codes' types); the server and
 * the clients use the rest.
 *
 * @packageDocumentation
 */
export {
  ERROR_CODES, ITEM_CODE_ANSWERS, codesWith, httpAnswers, httpStatusOf, isErrorCode,
  type ClientErrorCode, type CliErrorCode, type CodeEntry, type CodesWith, type EngineErrorCode, type ErrorCode, type HttpAnswer, type HttpErrorCode, type ItemIssueCode, type ProblemCode
} from './codes.js';
export { BATCH_ID_PATTERN, BATCH_ID_RULE, isBatchId } from './batch-id.js';
export { DAY_RULE, MAX_YEAR, MIN_YEAR, formatDay, parseDay } from './dates.js';
export { PARAMETER_NAMES, fieldOf, parameterOf } from './names.js';
export { MAX_PERCENTILES, PERCENTILES_RULE, checkPercentiles, percentileKey, percentilesToWire, readPercentiles, type Percentiles, type PercentilesReading } from './percentiles.js';
export * from './results.js';
export * from './wire.js';
export * from './problem.js';
