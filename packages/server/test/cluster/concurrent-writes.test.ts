/**
 * Writes of every kind through three node processes at once: batches of mixed sizes and formats,
 * staged uploads whose chunks go through different nodes and whose commit through yet another,
 * reverts, port moves, a port added through one node and named through another, and the same batch
 * id sent through two nodes at once. Every node must end with the same batch log, in which each
 * batch id landed once, and give the same answers, which are the answers of a model that replays
 * the log the nodes agree on.
 */
import { describe, expect, it } from 'vitest';
import type { BatchItem, PriceItem } from '@ratestore/core';
import { Model, TREE, addDays, randomPrices } from '../../../core/test/helpers.js';
import { freshDatabase, usePostgres } from './pg-cluster.js';
import { call, counter, csv, ndjson, settle, startNode, useNodes, type ClusterNode, type Reply } from './nodes.js';

const server = usePostgres();
const nodes = useNodes();

const PORTS = ['CNSHA', 'CNNGB', 'SGSIN', 'NLRTM', 'DEHAM', 'PLGDN', 'ESVLC', 'USLAX', 'AUSYD'];
const FIRST = '2016-07-01';
const DAYS = 10;
const prices = (seed: number, count: number, ports = PORTS): PriceItem[] => randomPrices(seed, count, FIRST, DAYS, ports);

/** The queries every node must answer alike: regions at every level, ports, and a port added during the run. */
const QUERIES = [
  ['world', 'world'], ['asia', 'europe'], ['east_asia', 'north_europe'], ['CNSHA', 'NLRTM'], ['europe', 'asia'],
  ['south_east_asia', 'world'], ['KRPUS', 'world'], ['world', 'med'], ['oceania', 'americas'], ['north_europe', 'baltic']
] as const;

/** What was sent under each batch id that landed, to replay in the model. */
class Sent {
  readonly items = new Map<string, readonly BatchItem[]>();

  /** Records a 201 of a new batch (not a replay), and returns it. */
  landed(reply: Reply, items: readonly BatchItem[]): Reply {
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    expect(reply.headers.get('idempotent-replayed')).toBeNull();
    expect(this.items.has(reply.body.batch_id)).toBe(false);
    this.items.set(reply.body.batch_id, items);
    return reply;
  }
}

/** Sends the same request through two nodes at once: one lands it, the other answers the same as a replay. */
async function twice(sent: Sent, items: readonly BatchItem[], send: (node: ClusterNode) => Promise<Reply>, first: ClusterNode, second: ClusterNode): Promise<void> {
  const replies = await Promise.all([send(first), send(second)]);
  const fresh = replies.filter((reply) => reply.headers.get('idempotent-replayed') === null);
  const replays = replies.filter((reply) => reply.headers.get('idempotent-replayed') === 'true');
  expect(fresh, JSON.stringify(replies.map((reply) => [reply.status, reply.body]))).toHaveLength(1);
  expect(replays).toHaveLength(1);
  expect(replays[0]!.status).toBe(fresh[0]!.status);
  expect(replays[0]!.body).toEqual(fresh[0]!.body);
  sent.landed(fresh[0]!, items);
}

describe('concurrent writes through three nodes', () => {
  it('leave every node with the same batch log, each batch once, and the same answers', async () => {
    const url = await freshDatabase(server());
    nodes.push(...(await Promise.all(['a', 'b', 'c'].map((id) => startNode(url, id)))));
    const [a, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    const sent = new Sent();
    const post = (node: ClusterNode, body: string | BatchItem[], type = 'application/json', key?: string) =>
      call(node, 'POST', '/v1/batches', { ...(typeof body === 'string' ? { raw: body, type } : { body }), ...(key === undefined ? {} : { headers: { 'idempotency-key': key } }) });
    const putPort = (node: ClusterNode, code: string, name: string, region: string) => call(node, 'PUT', `/v1/ports/${code}`, { body: { name, region } });
    const portItem = (code: string, name: string, region: string): BatchItem[] => [{ type: 'port', code, name, region }];

    sent.landed(await post(a, TREE, 'application/json', 'tree'), TREE);

    /** Batches of mixed sizes and formats through A; a port added through C, then named through A. */
    const throughA = async () => {
      for (const [seed, count] of [[1, 50], [2, 500], [3, 5_000]] as const) {
        const items = prices(seed, count);
        sent.landed(await post(a, items, 'application/json', `a-${seed}`), items);
      }
      sent.landed(await putPort(c, 'KRPUS', 'Busan', 'east_asia'), portItem('KRPUS', 'Busan', 'east_asia'));
      const busan = prices(4, 300, ['KRPUS', 'CNSHA', 'NLRTM']);
      sent.landed(await post(a, csv(busan), 'text/csv', 'a-busan'), busan);
      // A revert through another node than the batch's.
      const reverted = await call(b, 'POST', '/v1/batches/a-2/revert');
      expect(reverted.status).toBe(201);
    };

    /** NDJSON and a CSV of two chunks through B, with port moves through B and C among them. */
    const throughB = async () => {
      const items = prices(10, 2_000);
      sent.landed(await post(b, ndjson(items), 'application/x-ndjson', 'b-ndjson'), items);
      const moves = await Promise.all([putPort(b, 'SGSIN', 'Singapore', 'east_asia'), putPort(c, 'ESVLC', 'Valencia', 'north_europe')]);
      sent.landed(moves[0], portItem('SGSIN', 'Singapore', 'east_asia'));
      sent.landed(moves[1], portItem('ESVLC', 'Valencia', 'north_europe'));
      const large = prices(11, 60_000);
      sent.landed(await post(b, csv(large), 'text/csv', 'b-large'), large);
    };

    /** A staged upload: created through A, chunks through A, B and C in parallel, committed through C. */
    const upload = async (id: string, seed: number, create: ClusterNode, commit: ClusterNode[]) => {
      expect((await call(create, 'POST', '/v1/uploads', { body: { batch_id: id } })).status).toBe(201);
      const chunks = [0, 1, 2, 3, 4, 5].map((chunk) => prices(seed + chunk, 1_500));
      const acks = await Promise.all(chunks.map((items, chunk) => call(nodes[chunk % 3]!, 'PUT', `/v1/uploads/${id}/chunks/${chunk}`, { raw: csv(items), type: 'text/csv' })));
      for (const ack of acks) expect(ack.status).toBe(200);
      // Every node sees the whole upload, whichever node took each chunk.
      for (const node of nodes) expect((await call(node, 'GET', `/v1/uploads/${id}`)).body).toMatchObject({ state: 'staged', chunks: [0, 1, 2, 3, 4, 5], items: 9_000 });
      const items = chunks.flat();
      if (commit.length === 1) sent.landed(await call(commit[0]!, 'POST', `/v1/uploads/${id}/commit`), items);
      else await twice(sent, items, (node) => call(node, 'POST', `/v1/uploads/${id}/commit`), commit[0]!, commit[1]!);
    };

    /** The same batch id through two nodes at once, for each kind of write. */
    const duplicates = async () => {
      const items = prices(20, 1_000);
      await twice(sent, items, (node) => post(node, items, 'application/json', 'dup-json'), a, b);
      const large = prices(21, 20_000);
      await twice(sent, large, (node) => post(node, csv(large), 'text/csv', 'dup-csv'), b, c);
      const range = { date_from: FIRST, date_to: addDays(FIRST, 4), origin_code: 'CNNGB', destination_code: 'DEHAM', price: 1234.5 };
      const days = [0, 1, 2, 3, 4].map((day): BatchItem => ({ origin: 'CNNGB', destination: 'DEHAM', day: addDays(FIRST, day), price: 1234.5 }));
      await twice(sent, days, (node) => call(node, 'POST', '/rates', { body: range, headers: { 'idempotency-key': 'dup-rates' } }), c, a);
      const reverts = await Promise.all([call(a, 'POST', '/v1/batches/dup-json/revert'), call(c, 'POST', '/v1/batches/dup-json/revert')]);
      expect(reverts.map((reply) => reply.status)).toEqual([201, 201]);
      expect(reverts[0]!.body).toEqual(reverts[1]!.body);
      expect(reverts.map((reply) => reply.headers.get('idempotent-replayed')).sort()).toEqual(['true', null].sort());
    };

    /** Another request under a key that is landing through another node: one lands, the other is refused. */
    const clash = async () => {
      const mine = prices(30, 400);
      const theirs = prices(31, 400);
      const replies = await Promise.all([post(a, mine, 'application/json', 'clash'), post(c, theirs, 'application/json', 'clash')]);
      const statuses = replies.map((reply) => reply.status);
      expect(statuses.sort(), JSON.stringify(replies.map((reply) => reply.body))).toEqual([201, 409]);
      const landed = replies[0]!.status === 201 ? 0 : 1;
      sent.landed(replies[landed]!, landed === 0 ? mine : theirs);
      expect(replies[1 - landed]!.body.code).toBe('RATESTORE_IDEMPOTENCY_MISMATCH');
    };

    /** A batch naming a port that no node has: the same 422 from every node. */
    const unknownPort = async () => {
      const bad = [...prices(40, 3), { origin: 'CNSHA', destination: 'XXNOP', day: FIRST, price: 100 }];
      const replies = await Promise.all(nodes.map((node) => post(node, bad, 'application/json', 'bad')));
      const answer = ({ request_id: _, ...problem }: Record<string, unknown>) => problem;
      for (const reply of replies) {
        expect(reply.status).toBe(422);
        expect(answer(reply.body)).toEqual(answer(replies[0]!.body));
      }
      expect(replies[0]!.body.issues).toEqual([expect.objectContaining({ index: 3, field: 'destination', code: 'RATESTORE_UNKNOWN_PORT' })]);
    };

    await Promise.all([throughA(), throughB(), upload('up-1', 50, a, [c]), upload('up-2', 60, b, [a, b]), duplicates(), clash(), unknownPort()]);

    const head = await settle(nodes);
    // The log the nodes agree on: the same on every node, every version taken once, each batch id once.
    const logs = await Promise.all(nodes.map((node) => call(node, 'GET', `/v1/batches?min_version=${head}`)));
    for (const log of logs) expect(log.body).toEqual(logs[0]!.body);
    const batches = logs[0]!.body.batches as Array<{ batch_id: string; version: number; counts: { prices: number; ports: number; regions: number }; reverted_by: number | null }>;
    expect(batches.map((batch) => batch.batch_id).sort()).toEqual([...sent.items.keys()].sort());
    const model = new Model();
    const byVersion = new Map<number, { kind: 'batch' | 'revert'; batchId: string }>();
    for (const batch of batches) {
      byVersion.set(batch.version, { kind: 'batch', batchId: batch.batch_id });
      if (batch.reverted_by !== null) byVersion.set(batch.reverted_by, { kind: 'revert', batchId: batch.batch_id });
      const items = sent.items.get(batch.batch_id)!;
      // Nothing applied twice: each batch counts what was sent once.
      expect(batch.counts).toEqual({
        prices: items.filter((item) => item.type === undefined).length,
        ports: items.filter((item) => item.type === 'port').length,
        regions: items.filter((item) => item.type === 'region').length
      });
    }
    expect(byVersion.size).toBe(head);
    for (let version = 1; version <= head; version++) {
      const entry = byVersion.get(version)!;
      if (entry.kind === 'batch') model.commit(entry.batchId, sent.items.get(entry.batchId)!);
      else model.revert(entry.batchId);
    }
    expect(batches.filter((batch) => batch.reverted_by !== null).map((batch) => batch.batch_id).sort()).toEqual(['a-2', 'dup-json']);
    // Each commit and revert was counted once, by the node that made it.
    const counted = async (kind: string) => (await Promise.all(nodes.map((node) => counter(node, 'ratestore_batches_total', `kind="${kind}"`)))).reduce((x, y) => x + y, 0);
    expect(await counted('commit')).toBe(batches.length);
    expect(await counted('revert')).toBe(2);

    const trees = await Promise.all(nodes.map((node) => call(node, 'GET', '/v1/tree')));
    for (const tree of trees) expect(tree.body).toEqual(trees[0]!.body);
    // Every node answers every query at every version as the model does.
    for (let version = 1; version <= head; version++) {
      for (const [origin, destination] of QUERIES) {
        const query = { dateFrom: FIRST, dateTo: addDays(FIRST, DAYS - 1), origin, destination, minCount: 1, asOf: version };
        if (model.catalog(version).ports.get(origin) === undefined && model.catalog(version).regions.get(origin) === undefined) continue;
        const expected = model.rows(query);
        const path = `/v1/rates?date_from=${query.dateFrom}&date_to=${query.dateTo}&origin=${origin}&destination=${destination}&min_count=1&as_of=${version}`;
        for (const node of nodes) {
          const reply = await call(node, 'GET', path);
          expect(reply.status).toBe(200);
          expect(reply.body.rows, `${node.id} ${path}`).toEqual(expected);
        }
      }
    }
  }, 120_000);
});
