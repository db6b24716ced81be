/** The OpenAPI 3.1 description of the HTTP API, served at /openapi.json. Tests check real responses against it. */
import { BATCH_ID_PATTERN } from '@ratestore/core/contract';

/** A piece of the OpenAPI document (a schema, an operation...), as plain JSON. */
export type OpenApiObject = Record<string, unknown>;

const ref = (name: string): OpenApiObject => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: OpenApiObject) => ({ 'application/json': { schema } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const ok = (description: string, schema: OpenApiObject, headers?: Record<string, unknown>) => ({ description, content: json(schema), ...(headers === undefined ? {} : { headers }) });
const html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
const query = (name: string, description: string, schema: OpenApiObject, required = false) => ({ name, in: 'query', required, description, schema });
const path = (name: string, description: string, schema: OpenApiObject = { type: 'string' }) => ({ name, in: 'path', required: true, description, schema });

const DAY = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', examples: ['2016-01-01'] };
const LOCATION = { type: 'string', description: 'A port code (5 letters A-Z) or a region slug', examples: ['CNSGH', 'north_europe_main'] };
const BATCH_ID = { type: 'string', pattern: BATCH_ID_PATTERN.source };

const etag = { ETag: { description: 'Derived from the data version and the query', schema: { type: 'string' } } };
const readResponses = (description: string, schema: OpenApiObject, extra: Record<string, unknown> = {}) => ({
  200: ok(description, schema, etag),
  304: { description: 'Not modified (If-None-Match matched the ETag)' },
  ...extra,
  401: problem('No or unknown API key (only when reads need a key, or a bad key was sent)'),
  403: problem('The key lacks the read scope (RATESTORE_FORBIDDEN), or a server without API keys was asked for a host name that is neither loopback nor in allowedHosts (RATESTORE_HOST_NOT_ALLOWED)'),
  429: problem('Rate limit of the key exhausted; see Retry-After'),
  503: problem('The store is not open yet')
});
const writeErrors = {
  400: problem('Bad parameter or malformed body (not JSON, NDJSON or CSV as declared, or not UTF-8)'),
  401: problem('No or unknown API key'),
  403: problem('The key lacks the needed scope (RATESTORE_FORBIDDEN), or a page of another site sent the write: its Origin is neither the server\'s own nor in cors.origins (RATESTORE_CROSS_ORIGIN), or a server without API keys was asked for a host name that is neither loopback nor in allowedHosts (RATESTORE_HOST_NOT_ALLOWED)'),
  413: problem('The body, one of its items (RATESTORE_ITEM_TOO_LARGE) or the item count is over its limit'),
  415: problem('Unsupported Content-Type, a charset other than UTF-8, or a Content-Encoding (bodies are read uncompressed, as UTF-8)'),
  422: problem('The batch has invalid items (listed in `issues`), or no items at all (`RATESTORE_EMPTY_BATCH`); nothing was written'),
  429: problem('Rate limit of the key exhausted; see Retry-After'),
  503: problem('Too many uploads at once (RATESTORE_OVERLOADED), or in cluster mode the commit log cannot be reached (RATESTORE_LOG_UNAVAILABLE: retry with the same batch id); see Retry-After')
};
const batchBody = {
  required: true,
  description: 'Batch items: a JSON array, NDJSON (one item per line) or CSV with the header origin,destination,day,price. Streamed into the store, never buffered whole.',
  content: {
    'application/json': { schema: { type: 'array', items: ref('BatchItem') } },
    'application/x-ndjson': { schema: { type: 'string' } },
    'text/csv': { schema: { type: 'string' } }
  }
};
const idempotencyKey = { name: 'Idempotency-Key', in: 'header', required: false, description: 'The batch id: a retry of the same request with the same key returns the first result (Idempotent-Replayed: true); another request under the key is 409 RATESTORE_IDEMPOTENCY_MISMATCH', schema: BATCH_ID };
const mismatch = problem('RATESTORE_IDEMPOTENCY_MISMATCH: the key names a batch committed by another request');
const percentiles = {
  ...query('percentiles', 'Also answer these percentiles of each day\'s prices, in each row\'s percentiles: 1 to 9 distinct numbers, each above 0 and below 100, as plain decimals separated by commas (25,50,75). Anything else is 400 RATESTORE_INVALID_PARAMETER naming percentiles', {
    type: 'array', items: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 100 }, minItems: 1, maxItems: 9, uniqueItems: true
  }),
  // A comma-separated list, not the parameter repeated: `percentiles=25,50,75`.
  style: 'form',
  explode: false,
  example: [25, 50, 75]
};
const asOf = query('as_of', 'Read as of this data version', { type: 'integer', minimum: 0 });
const minVersion = query('min_version', 'Answer only once this node has applied this version (read your writes through any node of a cluster); waits up to cluster.waitMs, then 503 RATESTORE_NOT_CAUGHT_UP', { type: 'integer', minimum: 0 });
const notCaughtUp = problem('The store is not open yet, or this node has not applied min_version within cluster.waitMs (RATESTORE_NOT_CAUGHT_UP); see Retry-After');

/** Node answers these before any route, so every operation may get them. */
const headersTooLarge = problem('The request line and headers are over the server\'s limit (RATESTORE_HEADERS_TOO_LARGE); the connection is closed');
const malformedRequest = problem('Not well-formed HTTP (RATESTORE_MALFORMED_REQUEST), e.g. a byte a URL may not hold; the connection is closed');

export function openApiDocument(): OpenApiObject {
  const document = {
    openapi: '3.1.0',
    info: {
      title: 'Ratestore',
      version: '0.1.0',
      description: 'Daily ocean-freight route prices: the original rates API and the v1 API. Errors are RFC 9457 problem documents with a stable `code`.',
      license: { name: 'MIT', identifier: 'MIT' }
    },
    // Relative: the server that serves this document, wherever it runs (the API reference at /docs/ calls it).
    servers: [{ url: '/' }],
    security: [{}, { bearer: [] }],
    paths: {
      '/rates': {
        get: {
          operationId: 'getRates',
          summary: 'Average price per day (original API)',
          description: 'One entry per day of the range, in order. `average_price` is the average rounded half up, or null for days with fewer than 3 prices.',
          parameters: [
            query('date_from', 'First day', DAY, true),
            query('date_to', 'Last day (inclusive)', DAY, true),
            query('origin', 'Port code or region slug', LOCATION, true),
            query('destination', 'Port code or region slug', LOCATION, true)
          ],
          responses: readResponses('Daily averages', { type: 'array', items: ref('DailyAverage') }, { 400: problem('Missing or invalid parameter, reversed or too long range, unknown location') })
        },
        post: {
          operationId: 'postRate',
          summary: 'Store one price for every day of a range (original API)',
          requestBody: { required: true, content: json(ref('PriceUpload')) },
          parameters: [idempotencyKey],
          responses: {
            201: ok('Stored as one batch (or the first result of a retried batch id, its price read back from the store)', ref('PostRateResult')),
            ...writeErrors,
            409: problem('The key names a batch committed by another request (RATESTORE_IDEMPOTENCY_MISMATCH), or the replayed batch\'s version is no longer retained'),
            502: problem('Exchange rates unavailable')
          }
        }
      },
      '/v1/rates': {
        get: {
          operationId: 'getRatesV1',
          summary: 'Exact daily average, count, min and max',
          parameters: [
            query('date_from', 'First day', DAY, true),
            query('date_to', 'Last day (inclusive)', DAY, true),
            query('origin', 'Port code or region slug', LOCATION, true),
            query('destination', 'Port code or region slug', LOCATION, true),
            query('min_count', 'Days with fewer prices get a null average (default 3)', { type: 'integer', minimum: 1 }),
            query('widen', 'When no day of the range reaches min_count prices, replace the origin and destination by their parent regions, one side and one level at a time (the side with fewer prices over the range first, the origin on a tie), until some day does or both are top-level regions; the answer names them in origin_used and destination_used (default false)', { type: 'boolean', default: false }),
            percentiles,
            asOf
          ],
          responses: readResponses('Daily rows at one data version', ref('RatesV1'), {
            400: problem('Missing or invalid parameter (a percentiles list that breaks its rule is RATESTORE_INVALID_PARAMETER with parameter "percentiles")'),
            409: problem('as_of version no longer retained')
          })
        }
      },
      '/v1/ports': { get: { operationId: 'listPorts', summary: 'All ports', parameters: [asOf], responses: readResponses('Ports by code', ref('PortList'), { 400: problem('Invalid as_of') }) } },
      '/v1/ports/{code}': {
        get: { operationId: 'getPort', summary: 'One port', parameters: [path('code', 'Port code'), asOf], responses: readResponses('A port', ref('PortResult'), { 400: problem('Invalid code'), 404: problem('No such port') }) },
        put: {
          operationId: 'putPort', summary: 'Add a port or change its name or region (a batch of one item)',
          parameters: [path('code', 'Port code'), idempotencyKey],
          requestBody: { required: true, content: json({ type: 'object', required: ['name', 'region'], properties: { name: { type: 'string' }, region: { type: 'string' } } }) },
          responses: { 201: ok('Committed', ref('CommitResult')), ...writeErrors, 409: mismatch }
        }
      },
      '/v1/regions': { get: { operationId: 'listRegions', summary: 'All regions', parameters: [asOf], responses: readResponses('Regions by slug', ref('RegionList'), { 400: problem('Invalid as_of') }) } },
      '/v1/regions/{slug}': {
        get: { operationId: 'getRegion', summary: 'One region with its direct ports and sub-regions', parameters: [path('slug', 'Region slug'), asOf], responses: readResponses('A region with its direct ports and sub-regions', ref('RegionResult'), { 400: problem('Invalid slug'), 404: problem('No such region') }) },
        put: {
          operationId: 'putRegion', summary: 'Add a region or change its name or parent (a batch of one item)',
          parameters: [path('slug', 'Region slug'), idempotencyKey],
          requestBody: { required: true, content: json({ type: 'object', required: ['name'], properties: { name: { type: 'string' }, parent: { type: ['string', 'null'] } } }) },
          responses: { 201: ok('Committed', ref('CommitResult')), ...writeErrors, 409: mismatch }
        }
      },
      '/v1/tree': { get: { operationId: 'getTree', summary: 'The region tree with its ports', parameters: [asOf], responses: readResponses('The region tree', ref('Tree'), { 400: problem('Invalid as_of') }) } },
      '/v1/batches': {
        get: { operationId: 'listBatches', summary: 'The batch log', responses: readResponses('The batch log in version order', ref('BatchList')) },
        post: {
          operationId: 'postBatch', summary: 'Commit one atomic batch',
          parameters: [idempotencyKey, query('batch_id', 'Same as Idempotency-Key', BATCH_ID)],
          requestBody: batchBody,
          responses: { 201: ok('Committed (or the first result of a retried batch id)', ref('CommitResult')), ...writeErrors, 409: mismatch }
        }
      },
      '/v1/batches/{id}': { get: { operationId: 'getBatch', summary: 'One committed batch', parameters: [path('id', 'Batch id', BATCH_ID)], responses: readResponses('A committed batch', ref('BatchInfo'), { 400: problem('Invalid batch id'), 404: problem('No such batch') }) } },
      '/v1/batches/{id}/revert': {
        post: {
          operationId: 'revertBatch', summary: 'Revert a batch: a new version without its prices (admin scope)',
          parameters: [path('id', 'Batch id', BATCH_ID)],
          responses: { 201: ok('Reverted (or the first result of a repeated revert)', ref('RevertResult')), ...writeErrors, 404: problem('No such batch'), 409: problem('The batch is older than the retained history') }
        }
      },
      '/v1/uploads': {
        get: { operationId: 'listUploads', summary: 'Staged uploads', responses: { 200: ok('Staged uploads', { type: 'object', required: ['uploads'], properties: { uploads: { type: 'array', items: ref('Upload') } } }), 401: problem('Unauthorized'), 403: problem('Forbidden') } },
        post: {
          operationId: 'createUpload', summary: 'Create (or resume) a staged upload',
          parameters: [idempotencyKey],
          requestBody: { required: false, content: json({ type: 'object', properties: { batch_id: BATCH_ID } }) },
          responses: { 201: ok('Created', ref('Upload')), 200: ok('Already staged or committed', ref('Upload')), ...writeErrors, 409: problem('Aborted by another request while it was being created, or the id names a batch committed by another route (RATESTORE_IDEMPOTENCY_MISMATCH)') }
        }
      },
      '/v1/uploads/{id}': {
        get: { operationId: 'getUpload', summary: 'One staged or committed upload', parameters: [path('id', 'Batch id', BATCH_ID)], responses: { 200: ok('The upload', ref('Upload')), 400: problem('Invalid id'), 401: problem('Unauthorized'), 403: problem('Forbidden'), 404: problem('No such upload') } },
        delete: { operationId: 'abortUpload', summary: 'Abort a staged upload, dropping its chunks', parameters: [path('id', 'Batch id', BATCH_ID)], responses: { 204: { description: 'Aborted' }, ...writeErrors, 404: problem('No such upload'), 409: problem('Already committed') } }
      },
      '/v1/uploads/{id}/chunks/{chunk}': {
        put: {
          operationId: 'putChunk', summary: 'Stage one numbered chunk (any order; re-sending replaces it)',
          parameters: [path('id', 'Batch id', BATCH_ID), path('chunk', 'Chunk number', { type: 'integer', minimum: 0 })],
          requestBody: batchBody,
          responses: { 200: ok('Staged', ref('ChunkResult')), ...writeErrors, 404: problem('No such upload'), 409: problem('Already committed') }
        }
      },
      '/v1/uploads/{id}/commit': {
        post: {
          operationId: 'commitUpload', summary: 'Commit a staged upload as one atomic batch', parameters: [path('id', 'Batch id', BATCH_ID)],
          responses: { 201: ok('Committed (or the first result of a repeated commit)', ref('CommitResult')), ...writeErrors, 404: problem('No such upload'), 409: mismatch }
        }
      },
      '/v1/status': {
        get: {
          operationId: 'getStatus', summary: 'This node: its id, mode, the version it answers at, and how far behind the cluster\'s log it is',
          responses: { 200: ok('The node\'s status', ref('NodeStatus')), 401: problem('Unauthorized'), 403: problem('Forbidden') }
        }
      },
      '/healthz': { get: { operationId: 'healthz', summary: 'Liveness', security: [], responses: { 200: ok('Alive', ref('Health')) } } },
      '/readyz': { get: { operationId: 'readyz', summary: 'Readiness (503 while starting or draining)', security: [], responses: { 200: ok('Ready', ref('Health')), 503: ok('Starting or draining', ref('Health')) } } },
      '/metrics': { get: { operationId: 'metrics', summary: 'Prometheus metrics', security: [], responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
      '/openapi.json': { get: { operationId: 'openapi', summary: 'This OpenAPI document', security: [], responses: { 200: ok('This document', { type: 'object' }) } } },
      '/': { get: { operationId: 'explorer', summary: 'The rates explorer, a web page (no key needed to load it; its queries send the key entered)', security: [], responses: { 200: html('The page') } } },
      // Served at /docs/ as well; paths are named without a trailing slash.
      '/docs': { get: { operationId: 'apiReference', summary: 'This document rendered for people (Swagger UI), also at /docs/', security: [], responses: { 200: html('The page') } } }
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key with the read, write or admin scope' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail', 'code'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { type: 'string', pattern: '^RATESTORE_[A-Z_]+$' },
            parameter: { type: 'string', description: 'The request parameter at fault' },
            request_id: { type: 'string' },
            line: { type: 'integer', description: 'The line of a malformed body at fault (RATESTORE_MALFORMED_BODY)' },
            issues: { type: 'array', items: ref('ItemIssue') },
            issue_count: { type: 'integer' }
          }
        },
        ItemIssue: {
          type: 'object',
          required: ['index', 'field', 'code', 'reason'],
          properties: { index: { type: 'integer' }, chunk: { type: 'integer' }, field: { type: 'string' }, code: { type: 'string' }, reason: { type: 'string' } }
        },
        DailyAverage: {
          type: 'object', required: ['day', 'average_price'], additionalProperties: false,
          properties: { day: DAY, average_price: { type: ['integer', 'null'] } }
        },
        RateRow: {
          type: 'object', required: ['day', 'average', 'count', 'min', 'max'], additionalProperties: false,
          properties: {
            day: DAY, average: { type: ['number', 'null'] }, count: { type: 'integer', minimum: 0 }, min: { type: ['number', 'null'] }, max: { type: ['number', 'null'] },
            percentiles: {
              type: 'object',
              description: 'With percentiles=...: the percentiles of the day\'s prices in USD, one member per percentile asked, in the order asked, named p and the number (p25, p99.9); null where average is null (fewer than min_count prices). Each is within 1% (relative) of the exact value at rank floor(q/100 * (n - 1)) of the day\'s n sorted prices.',
              propertyNames: { pattern: '^p[0-9.e-]+$' },
              additionalProperties: { type: ['number', 'null'] },
              examples: [{ p25: 1040, p50: 1105.5, p75: 1190 }]
            }
          }
        },
        RatesV1: {
          type: 'object', required: ['version', 'origin', 'destination', 'date_from', 'date_to', 'min_count', 'rows'],
          properties: {
            version: { type: 'integer' }, origin: { type: 'string' }, destination: { type: 'string' }, date_from: DAY, date_to: DAY,
            min_count: { type: 'integer' }, rows: { type: 'array', items: ref('RateRow') },
            origin_used: { type: 'string', description: 'With widen=true: the origin the rows are for (the query\'s, or an ancestor region of it)' },
            destination_used: { type: 'string', description: 'With widen=true: the destination the rows are for' }
          }
        },
        PriceUpload: {
          type: 'object', required: ['date_from', 'date_to', 'origin_code', 'destination_code', 'price'],
          properties: {
            date_from: DAY, date_to: DAY, origin_code: { type: 'string' }, destination_code: { type: 'string' },
            price: { type: 'number', exclusiveMinimum: 0 }, currency: { type: 'string', default: 'USD', examples: ['EUR'] }
          }
        },
        Counts: {
          type: 'object', required: ['prices', 'ports', 'regions'],
          properties: { prices: { type: 'integer' }, ports: { type: 'integer' }, regions: { type: 'integer' } }
        },
        CommitResult: {
          type: 'object', required: ['batch_id', 'version', 'counts', 'committed_at'],
          properties: { batch_id: { type: 'string' }, version: { type: 'integer', minimum: 1 }, counts: ref('Counts'), committed_at: { type: 'string', format: 'date-time' } }
        },
        PostRateResult: {
          allOf: [ref('CommitResult'), { type: 'object', required: ['price_usd'], properties: { price_usd: { type: 'number' } } }]
        },
        BatchInfo: {
          allOf: [ref('CommitResult'), {
            type: 'object', required: ['reverted_by', 'revertible'],
            properties: { reverted_by: { type: ['integer', 'null'] }, revertible: { type: 'boolean' } }
          }]
        },
        BatchList: { type: 'object', required: ['version', 'batches'], properties: { version: { type: 'integer' }, batches: { type: 'array', items: ref('BatchInfo') } } },
        RevertResult: {
          type: 'object', required: ['batch_id', 'reverted_version', 'version', 'reverted_at'],
          properties: { batch_id: { type: 'string' }, reverted_version: { type: 'integer' }, version: { type: 'integer' }, reverted_at: { type: 'string', format: 'date-time' } }
        },
        Upload: {
          type: 'object', required: ['batch_id', 'state'],
          properties: {
            batch_id: { type: 'string' }, state: { enum: ['staged', 'committed'] }, created_at: { type: 'string', format: 'date-time' },
            chunks: { type: 'array', items: { type: 'integer' } }, items: { type: 'integer', description: 'items staged so far' }, result: ref('CommitResult')
          }
        },
        ChunkResult: { type: 'object', required: ['batch_id', 'chunk', 'items'], properties: { batch_id: { type: 'string' }, chunk: { type: 'integer' }, items: { type: 'integer' } } },
        BatchItem: {
          oneOf: [
            { type: 'object', required: ['origin', 'destination', 'day', 'price'], properties: { type: { const: 'price' }, origin: { type: 'string' }, destination: { type: 'string' }, day: DAY, price: { type: 'number' } } },
            { type: 'object', required: ['type', 'code', 'name', 'region'], properties: { type: { const: 'port' }, code: { type: 'string' }, name: { type: 'string' }, region: { type: 'string' } } },
            { type: 'object', required: ['type', 'slug', 'name'], properties: { type: { const: 'region' }, slug: { type: 'string' }, name: { type: 'string' }, parent: { type: ['string', 'null'] } } }
          ]
        },
        Port: { type: 'object', required: ['code', 'name', 'region'], properties: { code: { type: 'string', pattern: '^[A-Z]{5}$' }, name: { type: 'string' }, region: { type: 'string' } } },
        Region: { type: 'object', required: ['slug', 'name', 'parent'], properties: { slug: { type: 'string' }, name: { type: 'string' }, parent: { type: ['string', 'null'] } } },
        PortList: { type: 'object', required: ['version', 'ports'], properties: { version: { type: 'integer' }, ports: { type: 'array', items: ref('Port') } } },
        PortResult: { type: 'object', required: ['version', 'port'], properties: { version: { type: 'integer' }, port: ref('Port') } },
        RegionList: { type: 'object', required: ['version', 'regions'], properties: { version: { type: 'integer' }, regions: { type: 'array', items: ref('Region') } } },
        RegionResult: {
          type: 'object', required: ['version', 'region'],
          properties: {
            version: { type: 'integer' },
            region: { allOf: [ref('Region'), { type: 'object', required: ['ports', 'regions'], properties: { ports: { type: 'array', items: { type: 'string' } }, regions: { type: 'array', items: { type: 'string' } } } }] }
          }
        },
        RegionNode: {
          allOf: [ref('Region'), { type: 'object', required: ['ports', 'regions'], properties: { ports: { type: 'array', items: ref('Port') }, regions: { type: 'array', items: ref('RegionNode') } } }]
        },
        Tree: { type: 'object', required: ['version', 'regions'], properties: { version: { type: 'integer' }, regions: { type: 'array', items: ref('RegionNode') } } },
        Health: { type: 'object', required: ['status'], properties: { status: { enum: ['ok', 'ready', 'starting', 'draining', 'stopped'] }, version: { type: 'integer' } } },
        NodeStatus: {
          type: 'object', required: ['node_id', 'server_version', 'mode', 'version', 'log_version', 'lag_versions', 'lag_seconds', 'stale'], additionalProperties: false,
          properties: {
            node_id: { type: 'string' }, server_version: { type: 'string', description: 'The release of the server this node runs' }, mode: { enum: ['single', 'cluster'] }, version: { type: 'integer' },
            log_version: { type: ['integer', 'null'], description: 'The log\'s latest version; null when it cannot be reached' },
            lag_versions: { type: ['integer', 'null'] }, lag_seconds: { type: ['number', 'null'] },
            stale: { type: 'boolean', description: 'The log cannot be reached: reads go on from this node\'s replica, writes are refused' }
          }
        }
      }
    }
  };
  for (const operations of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(operations) as Array<[string, { responses: Record<string, unknown> }]>) {
      operation.responses[400] ??= malformedRequest;
      operation.responses[431] = headersTooLarge;
      // RFC 9110: `If-None-Match: *` is false whenever an answer exists, so a GET gets 304.
      if (method === 'get') operation.responses[304] ??= { description: 'Not modified: If-None-Match is * (any current answer matches)' };
      // Every read that needs the read scope takes min_version (the pages and probes have no security).
      const read = operation as { security?: unknown[]; parameters?: unknown[]; responses: Record<string, unknown> };
      if (method === 'get' && read.security === undefined) {
        read.parameters = [...(read.parameters ?? []), minVersion];
        read.responses[503] = notCaughtUp;
      }
    }
  }
  return document;
}
