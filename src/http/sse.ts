import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * What a client may leave unread before its stream is dropped: about a hundred ticket views. Past
 * it the client is not keeping up; holding more would let one slow reader grow the node's memory
 * without bound. A dropped `EventSource` reconnects by itself and gets the current state first.
 */
export const MAX_UNREAD_BYTES = 64 * 1024;
const PING_MS = 15_000;

export interface SseStream {
  /** Sends one event; drops the client instead when its unread bytes are over the bound. */
  send(event: string, data: unknown): void;
  /** The same with the data already serialised (one text shared by many streams). */
  sendJson(event: string, json: string): void;
  /** Sends a last event and ends the response. */
  end(event: string, data: unknown, retryMs?: number): void;
}

/**
 * Starts an event stream on a hijacked response. Writes never wait: a client that reads slowly
 * costs only its own buffer, up to `maxUnread`, and is then disconnected without slowing the rest.
 */
export function startSse(
  res: ServerResponse,
  headers: OutgoingHttpHeaders,
  maxUnread: number = MAX_UNREAD_BYTES,
): SseStream {
  // The stream ends only by closing, so the body needs no chunk framing: each event is one write
  // to the socket instead of three (size, data, CRLF), which counts at thousands of watchers.
  res.useChunkedEncodingByDefault = false;
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // Node keeps the response's header block for the stream's life, built by concatenation: a tree
  // of some seventy string pieces (about 2 KB). Reading a character makes V8 flatten it in place.
  const header = (res as unknown as { _header?: unknown })._header;
  if (typeof header === 'string') header.charCodeAt(0);
  // The head goes out now, and each event after it straight to the socket: the response's own
  // write path corks the socket and writes on the next tick, so a pass over thousands of watchers
  // would send nothing until it had built every message. Written at once, the first are read
  // while the rest are built. A response still waiting for its socket (a pipelined request)
  // keeps the response's path, which queues in order.
  res.flushHeaders();
  const socket = res.socket;
  let seq = 0;
  const write = (chunk: string): void => {
    if (res.destroyed || res.writableEnded) return;
    if (res.writableLength > maxUnread) {
      res.destroy();
      return;
    }
    if (socket) socket.write(chunk);
    else res.write(chunk);
  };
  const ping = setInterval(() => write(': keep-alive\n\n'), PING_MS);
  res.on('close', () => clearInterval(ping));
  return {
    send(event, data) {
      write(`id: ${++seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    sendJson(event, json) {
      write(`id: ${++seq}\nevent: ${event}\ndata: ${json}\n\n`);
    },
    end(event, data, retryMs) {
      clearInterval(ping);
      if (res.destroyed || res.writableEnded) return;
      const retry = retryMs === undefined ? '' : `retry: ${retryMs}\n`;
      res.end(`id: ${++seq}\n${retry}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
  };
}
