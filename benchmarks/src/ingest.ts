/**
 * `npm run bench:ingest`: ingest as users meet it (issue 15, targets 1-3), whole commands against
 * PostgreSQL's, side by side in one run:
 *
 * - `ratestore import` of N prices as NDJSON and as CSV into a copy of a store that already holds the
 *   generated ratestask-like data, against `psql -c '\copy prices ... FROM file'` of the same rows (TSV)
 *   in one transaction into the indexed prices table holding the same data. Wall clock of the process
 *   and its peak RSS (GNU time).
 * - The client SDK (`uploadBatch`, staged, chunks in flight) uploading N prices to a running
 *   `ratestore serve`, against a Node process that COPYs the same rows through pg-copy-streams in one
 *   transaction. Both generate the rows lazily with the same generator. Peak RSS of the client and of
 *   the server (VmHWM from /proc), and the p99 of `GET /rates` queries sent during the upload.
 * - One very large batch (`--big`) through both paths, one run each.
 *
 * Runs alternate between the engines; every figure is the median of `--runs`.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, cpSync, createWriteStream, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { RatestoreClient } from '@ratestore/client';
import { Ratestore, sampleCatalog, samplePrices, type SampleOptions } from '@ratestore/core';
import { freePort, installedPostgresBin } from '@ratestore/test-support';
import { REPO_ROOT, SERVER_CLI, childKind, cleanupOnSignal, cpuProfFlags, runChild, runScript, spawnServer, stopProcess, waitReady } from './child.js';
import { CATALOG, QueryMix, STAGE_CHUNK, ratesPath, slices } from './sample.js';
import { buildQueryStore } from './store.js';
import { PG_OPTIONS, SCHEMA_PREFIX, connect, copyPrices, createDataSet, dropSchema, startPostgres } from './compare/postgres.js';
import {
  fmtInt, gitState, loadAverages, machine, maxRssMb, median, minMax, ratio, seconds, summarizeLatencies, table, verdict
} from './util.js';

const SELF = fileURLToPath(import.meta.url);

/** The ingested prices are a month after the stored data, so PostgreSQL's can be deleted again between runs. */
const INGEST_FROM = '2017-01-01';
const INGEST_DAYS = 31;

function ingestOptions(prices: number): SampleOptions {
  return { ...CATALOG, prices, dateFrom: INGEST_FROM, days: INGEST_DAYS };
}

// ---------------------------------------------------------------------------------------------
// Children: the two uploaders

const childOptions = {
  prices: { type: 'int', required: true, description: 'prices to upload' }
} as const;

const uploadChild = childKind({
  summary: 'uploads the prices with the client SDK (uploadBatch, default chunks and concurrency) to a running server',
  options: { ...childOptions, url: { type: 'string', required: true, arg: 'URL', description: 'the server' } },
  async run({ prices, url }) {
    const client = new RatestoreClient({ baseUrl: url, timeoutMs: 600_000 });
    const started = performance.now();
    const result = await client.uploadBatch(samplePrices(ingestOptions(prices)), { batchId: `bench-ingest-${process.pid}-${Date.now()}` });
    const ms = performance.now() - started;
    if (result.counts.prices !== prices) throw new Error(`uploaded ${result.counts.prices} prices, expected ${prices}`);
    return { ms, rssMb: maxRssMb() };
  }
});

const pgUploadChild = childKind({
  summary: 'COPYs the prices through pg-copy-streams in one transaction (BEGIN, COPY, COMMIT)',
  options: { ...childOptions, ...PG_OPTIONS },
  async run({ prices, url, schema }) {
    const client = await connect(url, schema);
    try {
      const started = performance.now();
      const count = await copyPrices(client, samplePrices(ingestOptions(prices)));
      const ms = performance.now() - started;
      if (count !== prices) throw new Error(`copied ${count} prices, expected ${prices}`);
      return { ms, rssMb: maxRssMb() };
    } finally {
      await client.end();
    }
  }
});

interface Figures {
  ms: number;
  rssMb: number;
}

// ---------------------------------------------------------------------------------------------
// Files

/** Writes the prices as NDJSON, CSV (with its header) and TSV (COPY text, for psql's \copy). */
async function writeFiles(dir: string, prices: number): Promise<{ ndjson: string; csv: string; tsv: string }> {
  const files = { ndjson: join(dir, `prices-${prices}.ndjson`), csv: join(dir, `prices-${prices}.csv`), tsv: join(dir, `prices-${prices}.tsv`) };
  const streams = { ndjson: createWriteStream(files.ndjson), csv: createWriteStream(files.csv), tsv: createWriteStream(files.tsv) };
  const buffers = { ndjson: '', csv: 'origin,destination,day,price\n', tsv: '' };
  const flush = async (force: boolean): Promise<void> => {
    for (const name of ['ndjson', 'csv', 'tsv'] as const) {
      if (!force && buffers[name].length < 1 << 20) continue;
      if (!streams[name].write(buffers[name])) await once(streams[name], 'drain');
      buffers[name] = '';
    }
  };
  for (const p of samplePrices(ingestOptions(prices))) {
    buffers.ndjson += `{"origin":"${p.origin}","destination":"${p.destination}","day":"${p.day}","price":${p.price}}\n`;
    buffers.csv += `${p.origin},${p.destination},${p.day},${p.price}\n`;
    buffers.tsv += `${p.origin}\t${p.destination}\t${p.day}\t${p.price}\n`;
    await flush(false);
  }
  await flush(true);
  await Promise.all(Object.values(streams).map((stream) => new Promise((done) => stream.end(done))));
  return files;
}

// ---------------------------------------------------------------------------------------------
// Whole commands, timed, with their peak RSS

/** Runs `argv` under GNU time; its wall clock and peak RSS. Throws with its output if it fails. */
function timed(argv: string[], env: NodeJS.ProcessEnv, rssFile: string): Figures {
  const started = performance.now();
  const run = spawnSync('/usr/bin/time', ['-f', '%M', '-o', rssFile, ...argv], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`${argv.join(' ')} exited with ${run.status ?? run.signal}: ${run.stderr.slice(-2000)}${run.stdout.slice(-2000)}`);
  const kb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
  return { ms, rssMb: kb / 1024 };
}

/** Peak RSS of a running process (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
  return Number(line?.split(/\s+/)[1] ?? NaN) / 1024;
}

// ---------------------------------------------------------------------------------------------
// The run

const command = {
  script: import.meta.url,
  summary: 'ingest as users meet it: ratestore import and the client SDK upload against psql \\copy and pg-copy-streams (issue 15, targets 1-3)',
  options: {
    prices: { type: 'int', default: 1_000_000, description: 'prices per imported file and per upload' },
    'base-prices': { type: 'int', default: 1_000_000, description: 'prices the store and the table hold before each run (2016, built in 1M slices)' },
    runs: { type: 'int', default: 3, description: 'runs of each measurement; figures are their medians' },
    big: { type: 'int', default: 10_000_000, description: 'prices of the very large batch (target 3), one run each; 0 skips it' },
    skip: { type: 'strings', default: [], choices: ['import', 'upload'], description: 'leave these parts out' },
    dir: { type: 'string', default: tmpdir(), arg: 'DIR', description: 'where the stores, the files and PostgreSQL go' },
    profile: { type: 'string', arg: 'DIR', description: 'run the Ratestore processes (import, server, client) with --cpu-prof into DIR' }
  }
} as const;

interface Row {
  target: string;
  ours: number[];
  theirs: number[];
  oursRss: number[];
  theirsRss: number[];
  extra?: string;
  goal: string;
  pass: boolean;
  commands: string;
}

async function main(args: { prices: number; 'base-prices': number; runs: number; big: number; skip: string[]; dir: string; profile: string | undefined }): Promise<void> {
  const { prices, runs, big, profile } = args;
  const work = mkdtempSync(join(args.dir, 'ratestore-bench-ingest-'));
  if (profile !== undefined) mkdirSync(profile, { recursive: true });
  const loads: string[] = [loadAverages()];
  // Not in `work`: mkdtemp's folder is private, and PostgreSQL runs as its own user.
  const pg = await startPostgres(args.dir);
  const schema = `${SCHEMA_PREFIX}ingest`;
  const cleanup = cleanupOnSignal(async () => {
    await dropSchema(pg.url, schema).catch(() => undefined);
    await pg.stop();
    rmSync(work, { recursive: true, force: true });
  });
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    console.error(`[ingest] ${machine()}; load ${loads[0]}; work in ${work}; PostgreSQL: ${pg.description}`);
    // The stored data, the same in both: the catalog and base-prices prices of 2016.
    const base = join(work, 'base-store');
    const store = new Ratestore({ location: base });
    await store.open();
    await buildQueryStore(store, args['base-prices'], 366, 1_000_000, STAGE_CHUNK);
    await store.compact();
    await store.close();
    const client = await createDataSet(pg.url, schema, sampleCatalog(CATALOG));
    for (const slice of slices(args['base-prices'], 366, 1_000_000)) await copyPrices(client, samplePrices(slice.options));
    await client.query('VACUUM (ANALYZE) prices');
    const resetPg = async (): Promise<void> => {
      await client.query(`DELETE FROM prices WHERE day >= '${INGEST_FROM}'`);
      await client.query('VACUUM prices');
      await client.query('CHECKPOINT');
    };
    console.error(`[ingest] stored data ready: ${fmtInt(args['base-prices'])} prices in both`);

    const psql = join(installedPostgresBin() ?? '/usr/bin', 'psql');
    const pgEnv = { ...process.env, PGOPTIONS: `-c search_path=${schema}` };
    const rssFile = join(work, 'rss.txt');
    const node = (profileTag: string): string[] => [process.execPath, ...cpuProfFlags(profile === undefined ? undefined : join(profile, profileTag))];
    const freshStore = (name: string): string => {
      const dir = join(work, name);
      rmSync(dir, { recursive: true, force: true });
      cpSync(base, dir, { recursive: true });
      return dir;
    };
    const importRun = (file: string, tag: string): Figures => {
      const dir = freshStore(`import-${tag}`);
      try {
        return timed([...node(`import-${tag}`), SERVER_CLI, 'import', file, '--data', dir], process.env, rssFile);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const psqlRun = async (file: string): Promise<Figures> => {
      const figures = timed([psql, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', pg.url, '-c', `\\copy prices (orig_code, dest_code, day, price) FROM '${file}'`], pgEnv, rssFile);
      await resetPg();
      return figures;
    };

    const uploadRun = async (count: number, tag: string): Promise<Figures & { serverRssMb: number; queryP99: number; queryP50: number; queries: number }> => {
      const dir = freshStore(`upload-${tag}`);
      const port = await freePort();
      const logFd = openSync(join(work, `server-${tag}.log`), 'a');
      const server = spawnServer({
        data: dir, port, config: {}, configFile: join(work, 'server.json'), logLevel: 'warn', stdio: ['ignore', logFd, logFd],
        ...(profile === undefined ? {} : { profileDir: join(profile, `server-${tag}`) })
      });
      closeSync(logFd);
      const url = `http://127.0.0.1:${port}`;
      try {
        await waitReady(`${url}/readyz`, server, 120_000);
        // Queries one after another for the whole upload: what a user of the server sees meanwhile.
        const mix = new QueryMix(7, 366);
        const latencies: number[] = [];
        let uploading = true;
        const querying = (async () => {
          while (uploading) {
            const path = ratesPath(latencies.length % 2 === 0 ? mix.port() : mix.region());
            const started = performance.now();
            const response = await fetch(`${url}${path}`);
            await response.arrayBuffer();
            if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
            latencies.push(performance.now() - started);
          }
        })();
        let figures: Figures;
        try {
          figures = await runChild<Figures>(SELF, 'upload', ['--prices', String(count), '--url', url],
            profile === undefined ? [] : cpuProfFlags(join(profile, `client-${tag}`)));
        } finally {
          uploading = false;
          await querying;
        }
        const { p50, p99 } = summarizeLatencies(latencies);
        return { ...figures, serverRssMb: peakRssMb(server.pid!), queryP50: p50, queryP99: p99, queries: latencies.length };
      } finally {
        await stopProcess(server, 30_000);
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const pgUploadRun = async (count: number): Promise<Figures> => {
      const figures = await runChild<Figures>(SELF, 'pg-upload', ['--prices', String(count), '--url', pg.url, '--schema', schema], []);
      await resetPg();
      return figures;
    };

    if (!args.skip.includes('import')) {
      const files = await writeFiles(work, prices);
      const ndjson: Figures[] = [];
      const csv: Figures[] = [];
      const psqlRuns: Figures[] = [];
      for (let run = 0; run < runs; run++) {
        // Which goes first alternates.
        const order = run % 2 === 0 ? ['ndjson', 'csv', 'psql'] : ['psql', 'csv', 'ndjson'];
        for (const which of order) {
          if (which === 'ndjson') ndjson.push(importRun(files.ndjson, `ndjson-${run}`));
          else if (which === 'csv') csv.push(importRun(files.csv, `csv-${run}`));
          else psqlRuns.push(await psqlRun(files.tsv));
        }
        loads.push(loadAverages());
        console.error(`[import] run ${run + 1}/${runs}: NDJSON ${seconds(ndjson.at(-1)!.ms)} s, CSV ${seconds(csv.at(-1)!.ms)} s, psql ${seconds(psqlRuns.at(-1)!.ms)} s; load ${loads.at(-1)}`);
      }
      for (const [name, figures] of [['NDJSON', ndjson], ['CSV', csv]] as const) {
        const speed = median(psqlRuns.map((f) => f.ms)) / median(figures.map((f) => f.ms));
        rows.push({
          target: `1. import ${fmtInt(prices)} prices, ${name}`,
          ours: figures.map((f) => f.ms), theirs: psqlRuns.map((f) => f.ms),
          oursRss: figures.map((f) => f.rssMb), theirsRss: psqlRuns.map((f) => f.rssMb),
          goal: '≥ 3x', pass: speed >= 3,
          commands: `\`ratestore import prices.${name.toLowerCase()} --data DIR\` vs \`psql -c '\\copy prices (orig_code, dest_code, day, price) FROM 'prices.tsv''\``
        });
      }
      rmSync(files.ndjson);
      rmSync(files.csv);
      rmSync(files.tsv);
    }

    if (!args.skip.includes('upload')) {
      const ours: Array<Awaited<ReturnType<typeof uploadRun>>> = [];
      const theirs: Figures[] = [];
      for (let run = 0; run < runs; run++) {
        if (run % 2 === 0) {
          ours.push(await uploadRun(prices, `upload-${run}`));
          theirs.push(await pgUploadRun(prices));
        } else {
          theirs.push(await pgUploadRun(prices));
          ours.push(await uploadRun(prices, `upload-${run}`));
        }
        loads.push(loadAverages());
        const last = ours.at(-1)!;
        console.error(`[upload] run ${run + 1}/${runs}: client SDK ${seconds(last.ms)} s (server ${last.serverRssMb.toFixed(0)} MB, client ${last.rssMb.toFixed(0)} MB, ` +
          `${last.queries} queries p99 ${last.queryP99.toFixed(1)} ms), pg-copy-streams ${seconds(theirs.at(-1)!.ms)} s; load ${loads.at(-1)}`);
      }
      const speed = median(theirs.map((f) => f.ms)) / median(ours.map((f) => f.ms));
      const serverRss = median(ours.map((f) => f.serverRssMb));
      const clientRss = median(ours.map((f) => f.rssMb));
      rows.push({
        target: `2. upload ${fmtInt(prices)} prices`,
        ours: ours.map((f) => f.ms), theirs: theirs.map((f) => f.ms),
        oursRss: ours.map((f) => f.serverRssMb), theirsRss: theirs.map((f) => f.rssMb),
        extra: `client ${clientRss.toFixed(0)} MB; GET /rates during the upload: p50 ${median(ours.map((f) => f.queryP50)).toFixed(1)} ms, p99 ${median(ours.map((f) => f.queryP99)).toFixed(1)} ms (${fmtInt(median(ours.map((f) => f.queries)))} queries)`,
        goal: '≥ 2x; server ≤ 300 MB, client ≤ 200 MB', pass: speed >= 2 && serverRss <= 300 && clientRss <= 200,
        commands: '`client.uploadBatch(prices)` to `ratestore serve` vs a Node process: `BEGIN; COPY prices FROM STDIN (pg-copy-streams); COMMIT`'
      });
    }

    if (big > 0) {
      const rowsBefore = rows.length;
      if (!args.skip.includes('import')) {
        const files = await writeFiles(work, big);
        rmSync(files.csv);
        const ours = importRun(files.ndjson, 'big');
        const theirs = await psqlRun(files.tsv);
        loads.push(loadAverages());
        console.error(`[big] import ${fmtInt(big)}: ${seconds(ours.ms)} s ${ours.rssMb.toFixed(0)} MB; psql ${seconds(theirs.ms)} s; load ${loads.at(-1)}`);
        rows.push({
          target: `3. import ${fmtInt(big)} prices, NDJSON (1 run)`, ours: [ours.ms], theirs: [theirs.ms], oursRss: [ours.rssMb], theirsRss: [theirs.rssMb],
          goal: '≤ 10 s, RSS ≤ 300 MB', pass: ours.ms <= 10_000 && ours.rssMb <= 300,
          commands: '`ratestore import prices.ndjson --data DIR` vs `psql -c \'\\copy ...\'`'
        });
        rmSync(files.ndjson);
        rmSync(files.tsv);
      }
      if (!args.skip.includes('upload')) {
        const ours = await uploadRun(big, 'big');
        const theirs = await pgUploadRun(big);
        loads.push(loadAverages());
        console.error(`[big] upload ${fmtInt(big)}: ${seconds(ours.ms)} s server ${ours.serverRssMb.toFixed(0)} MB client ${ours.rssMb.toFixed(0)} MB; pg-copy-streams ${seconds(theirs.ms)} s; load ${loads.at(-1)}`);
        rows.push({
          target: `3. upload ${fmtInt(big)} prices (1 run)`, ours: [ours.ms], theirs: [theirs.ms], oursRss: [ours.serverRssMb], theirsRss: [theirs.rssMb],
          extra: `client ${ours.rssMb.toFixed(0)} MB`,
          goal: '≤ 10 s, server RSS ≤ 300 MB', pass: ours.ms <= 10_000 && ours.serverRssMb <= 300,
          commands: '`client.uploadBatch(prices)` vs pg-copy-streams'
        });
      }
      if (rows.length > rowsBefore) notes.push('Target 3, aggregation with 2 workers ≥ 1.6x 1 worker: measured by bench:core (`node --expose-gc benchmarks/dist/core.js --only workers`, the store option `commitWorkers`), not here.');
    }
    await client.end();
  } finally {
    await cleanup();
  }

  const out = [
    `# bench:ingest (${gitState(REPO_ROOT, ['packages', 'benchmarks'], (changed) => changed.join(', '))})`,
    '',
    `${machine()}; ${fmtInt(args['base-prices'])} prices stored before each run; medians of ${runs} runs, the engines alternating; load averages (1, 5, 15 min) ${loads.join(' → ')}.`,
    '',
    table(['target', 'Ratestore s', 'PostgreSQL s', 'speed vs PostgreSQL', 'peak RSS MB: ours / PostgreSQL side', 'goal', 'verdict', 'commands'],
      rows.map((row) => {
        const speed = median(row.theirs) / median(row.ours);
        return [
          row.target,
          `${seconds(median(row.ours))}${minMax(row.ours, seconds)}`,
          `${seconds(median(row.theirs))}${minMax(row.theirs, seconds)}`,
          ratio(speed),
          `${median(row.oursRss).toFixed(0)} / ${median(row.theirsRss).toFixed(0)}${row.extra === undefined ? '' : `; ${row.extra}`}`,
          row.goal,
          verdict(row.pass),
          row.commands
        ];
      })),
    '',
    'Peak RSS: of the `ratestore import` and `psql` processes (GNU time); for uploads, of the server (VmHWM) and of the Node process COPYing.',
    ...notes
  ];
  console.log(out.join('\n'));
}

await runScript(command, main, { upload: uploadChild, 'pg-upload': pgUploadChild });
