export { ImportError, type ImportErrorCode } from './errors.js';
export { readPgDump, readPgDumpBatches, type PgDumpOptions } from './pg-dump.js';
export { decodeCopyField, decodeCopyRow } from './ratestask-schema.js';
export { readItems, readCsv, readNdjson } from './items.js';
export { readLines, readLineBatches, type ReadTracker } from './lines.js';
export {
  ImportSource, detectFormat, parseFormat, formatOf, hashFile, importBatchId, FORMATS,
  type ImportFormat
} from './source.js';
export { openImportInput, type ImportInput, type ImportPhase } from './input.js';
export { PostgresSource, redactUrl } from './postgres-source.js';
export { isPostgresUrl } from './postgres-url.js';
