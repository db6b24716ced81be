export { ImportError, type ImportErrorCode } from './errors.js';
export { readPgDump, readPgDumpBatches, decodeCopyField, decodeCopyRow, type PgDumpOptions } from './pg-dump.js';
export { readItems, readCsv, readNdjson } from './items.js';
export { readLines, readLineBatches, type ReadTracker } from './lines.js';
export {
  ImportSource, detectFormat, parseFormat, formatOf, hashFile, importBatchId, FORMATS,
  type ImportFormat, type ImportPhase
} from './source.js';
