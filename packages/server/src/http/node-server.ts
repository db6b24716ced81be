import { createServer, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import statuses from 'statuses';
import type { Logger } from '../logger.js';
import type { ServerErrorCode } from './problem.js';

/** Node's parser errors (llhttp codes) and what they are answered with; anything else is 400. */
const ANSWERS: Record<string, [number, ServerErrorCode, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'RATESTORE_HEADERS_TOO_LARGE', 'the request line and headers are larger than the server accepts (Node: --max-http-header-size, 16 KiB by default); send long queries in fewer, shorter parameters'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'RATESTORE_BODY_TOO_LARGE', 'the chunk extensions of the body are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'RATESTORE_REQUEST_TIMEOUT', 'the request was not received in time']
};

/**
 * The Node HTTP server of an app (not yet listening): everything Node refuses on its own is answered
 * as a problem document with a stable code, as every other error. Node's own check that an HTTP/1.1
 * request has a Host header is off, because it answers a bare 400: the app makes the same check
 * (createApp).
 */
export function createHttpServer(app: RequestListener, logger: Logger): Server {
  const server = createServer({ requireHostHeader: false }, app);
  answerClientErrors(server, logger);
  return server;
}

/**
 * Answers what Node's HTTP parser refuses before Express sees a request (a URL over the header
 * limit, a malformed request line or header, a request that times out) as a problem document with a
 * stable code, as every other error, instead of Node's bare status line. The connection is closed.
 */
function answerClientErrors(server: Server, logger: Logger): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // As Node does: a peer that went away, or a connection whose response has begun, gets nothing more.
    const response = (socket as Duplex & { _httpMessage?: { headersSent: boolean } })._httpMessage;
    if (!socket.writable || response?.headersSent === true) {
      socket.destroy();
      return;
    }
    const [status, code, detail] = ANSWERS[error.code ?? ''] ?? [400, 'RATESTORE_MALFORMED_REQUEST', 'the request is not well-formed HTTP/1.1'];
    logger.debug({ code: error.code, status }, 'malformed request refused');
    const body = JSON.stringify({ type: `urn:ratestore:problem:${code}`, title: statuses.message[status], status, detail, code });
    // The answer to a HEAD request has no body (the client would read one as garbage).
    const head = (error as { rawPacket?: Buffer }).rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
    socket.end(
      `HTTP/1.1 ${status} ${statuses.message[status]}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head ? '' : body}`
    );
  });
}
