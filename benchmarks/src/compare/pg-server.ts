/**
 * The minimal PostgreSQL-backed service users would write instead of Ratestore: Express 5 + a `pg`
 * pool, `GET /rates?date_from&date_to&origin&destination` answering `[{day, average_price}]` with the
 * canonical query as a prepared statement. No cache, no auth, no logging.
 *
 *   node benchmarks/dist/compare/pg-server.js --url postgresql://... --schema ratestore_bench_x --port 3001 [--pool 8]
 */
import express from 'express';
import { intArg, parseArgs } from '../util.js';
import { poolFor, ratesQuery, type RateAnswer } from './postgres.js';

const args = parseArgs(process.argv.slice(2));
const url = args.get('url');
const schema = args.get('schema');
if (url === undefined || schema === undefined) throw new Error('--url and --schema are required');
const pool = poolFor(url, schema, intArg(args, 'pool', 8));

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const app = express();
app.get('/rates', async (req, res) => {
  const { date_from: dateFrom, date_to: dateTo, origin, destination } = req.query;
  if (typeof dateFrom !== 'string' || typeof dateTo !== 'string' || typeof origin !== 'string' || typeof destination !== 'string' ||
    !DAY.test(dateFrom) || !DAY.test(dateTo)) {
    res.status(400).json({ error: 'date_from, date_to, origin and destination are required' });
    return;
  }
  try {
    const { rows } = await pool.query<RateAnswer>(ratesQuery({ dateFrom, dateTo, origin, destination }));
    res.json(rows);
  } catch (error) {
    res.status(500).json({ error: (error as Error).message });
  }
});
app.get('/healthz', (_req, res) => {
  res.json({ ok: true });
});

const server = app.listen(intArg(args, 'port', 3001), '127.0.0.1', () => {
  console.error(`pg-server listening on ${JSON.stringify(server.address())}`);
});
const stop = (): void => {
  server.close();
  server.closeAllConnections();
  void pool.end().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
