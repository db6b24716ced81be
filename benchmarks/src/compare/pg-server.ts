/**
 * The minimal PostgreSQL-backed service users would write instead of Ratestore: Express 5 + a `pg`
 * pool, `GET /rates?date_from&date_to&origin&destination` answering `[{day, average_price}]` with the
 * canonical query as a prepared statement. No cache, no auth, no logging.
 *
 *   node benchmarks/dist/compare/pg-server.js --url postgresql://... --schema ratestore_bench_x [--port 3001] [--pool 8]
 */
import express from 'express';
import { parseCommand } from '../util.js';
import { PG_OPTIONS, poolFor, ratesQuery, type RateAnswer } from './postgres.js';

const { values: args } = parseCommand({
  script: import.meta.url,
  summary: 'The minimal Express + pg server bench:compare measures Ratestore against: GET /rates with the canonical query, GET /healthz.',
  options: {
    ...PG_OPTIONS,
    port: { type: 'int', default: 3001, description: 'port to listen on, on 127.0.0.1' },
    pool: { type: 'int', default: 8, description: 'connections of the pg pool' }
  }
});
const pool = poolFor(args.url, args.schema, args.pool);

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

const server = app.listen(args.port, '127.0.0.1', () => {
  console.error(`pg-server listening on ${JSON.stringify(server.address())}`);
});
const stop = (): void => {
  server.close();
  server.closeAllConnections();
  void pool.end().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
