import type { Response } from 'express';
import type { BatchInfo, CommitResult, ItemIssue, RatestoreError } from '@ratestore/core';
import type { AppContext } from './context.js';
import { HttpProblem, engineCall, fromEngineError, type ParameterNames } from './problem.js';
import { checkReplay, type Fingerprint } from './idempotency.js';
import { commitToWire } from '@ratestore/core/contract';

/** How a route's engine errors are answered. */
export interface EngineAnswers {
  /** Engine argument names and the request parameters they come from. */
  parameters?: ParameterNames;
  /** The answer to a rejected batch; default: 422 `RATESTORE_INVALID_BATCH` listing its issues. */
  rejected?(error: RatestoreError): HttpProblem;
}

/** A write that is no replay, checked and ready to run. */
export interface PreparedCommit {
  /** Commits, storing `fingerprint` with the batch (see idempotency.ts). */
  commit(fingerprint: string | (() => string)): Promise<CommitResult>;
  /** Members the answer adds to the commit result. */
  extra?: Record<string, unknown>;
}

export interface CommitRequest extends EngineAnswers {
  /** The batch id the client named, if any. */
  batchId: string | undefined;
  /** What this request is: a replay must be the same request. */
  fingerprint: Fingerprint;
  /**
   * Checks the request and readies the write. Runs only when the batch is not committed yet, and
   * before the write waits for admission, so a bad request never queues.
   */
  prepare(): PreparedCommit | Promise<PreparedCommit>;
  /** Members a replay adds to the first result: the same the first answer had. */
  replayExtra?(first: BatchInfo): Promise<Record<string, unknown>>;
}

/**
 * The write pipeline of every route that commits a batch, one request at a time per batch id (so a
 * commit is counted once however many retries race it). A batch id that is already committed is
 * answered with the first result (`Idempotent-Replayed: true`) when this request is the same as the
 * one that committed it, and 409 RATESTORE_IDEMPOTENCY_MISMATCH otherwise; nothing is converted,
 * counted or stored. Otherwise the write waits for admission, and the commit is answered 201 and
 * counted. In a cluster, a request under the same id may be landing through another node at the same
 * time: the log finds that out under its lock, and the engine's result says so (`replayed`).
 */
export async function commitBatch(ctx: AppContext, res: Response, request: CommitRequest): Promise<void> {
  const { batchId } = request;
  if (batchId === undefined) {
    await commitNew(ctx, res, request);
    return;
  }
  await ctx.batchLocks.run(batchId, async () => {
    const first = await engineCall(() => ctx.store.batch(batchId), request.parameters);
    if (first === undefined) {
      await commitNew(ctx, res, request);
      return;
    }
    await answerReplay(res, request, first);
  });
}

async function commitNew(ctx: AppContext, res: Response, request: CommitRequest): Promise<void> {
  const prepared = await request.prepare();
  const result = await admitted(ctx, () => prepared.commit(request.fingerprint.stored), request);
  // Another request landed the id first (through another node): a replay, or another request.
  if (result.replayed === true) {
    await answerReplay(res, request, ctx.store.batch(result.batchId)!);
    return;
  }
  ctx.metrics.committed(result.counts);
  res.status(201).json({ ...commitToWire(result), ...prepared.extra });
}

/** The first result again when this request is the one that committed `first`; 409 when it is another. */
async function answerReplay(res: Response, request: CommitRequest, first: BatchInfo): Promise<void> {
  checkReplay(first, await request.fingerprint.complete(), request.parameters?.batchId ?? 'batch_id');
  const extra = request.replayExtra === undefined ? {} : await request.replayExtra(first);
  res.setHeader('Idempotent-Replayed', 'true');
  res.status(201).json({ ...commitToWire(first), ...extra });
}

/**
 * Runs `work` once admitted. A rejected batch is counted; engine errors are answered with the
 * route's parameter names; anything else goes on as it is, stack and all, to the shared handler.
 */
export function admitted<T>(ctx: AppContext, work: () => Promise<T>, answers: EngineAnswers = {}): Promise<T> {
  return ctx.admission.run(() =>
    engineCall(work, answers.parameters, (error) => {
      if (error.code !== 'RATESTORE_INVALID_BATCH') return undefined;
      ctx.metrics.rejected.inc();
      return answers.rejected?.(error);
    })
  );
}

/**
 * A rejected batch that the client sent as a few body members rather than items, answered as its
 * first issue: that issue's code, and the member at fault in `parameter`.
 */
export function firstIssueProblem(
  error: RatestoreError,
  options: { status: number; parameterOf(issue: ItemIssue): string | undefined; listIssues: boolean }
): HttpProblem {
  const issue = error.issues?.[0];
  if (issue === undefined) return fromEngineError(error);
  const parameter = options.parameterOf(issue) ?? (issue.field === '' ? undefined : issue.field);
  return new HttpProblem(options.status, issue.code, `${parameter ?? 'item'}: ${issue.reason}`, {
    ...(parameter === undefined ? {} : { parameter }),
    ...(options.listIssues ? { extra: { issues: error.issues, issue_count: error.issueCount ?? error.issues!.length } } : {})
  });
}
