import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * Connections to receivers stay open between deliveries, so a backlog goes out over a few sockets
 * rather than a connection (and TLS handshake) each. Idle ones do not keep the process alive, and
 * are closed after 4 s idle: many receivers drop theirs after about 5 s, and a POST sent on a
 * socket the far end is closing fails without being retried.
 */
const KEEP = { keepAlive: true, timeout: 4000 };
const agents = { http: new HttpAgent(KEEP), https: new HttpsAgent(KEEP) };

/** No complete answer came within the timeout; the request was cut off. */
export class NoAnswer extends Error {}

/**
 * POSTs `body` and resolves to the answer's status once its body has been read (or stopped
 * arriving). Node's client never follows a redirect: a 3xx is just a status here. Sending is
 * part of every delivery, so this stays on the plain client: `fetch` costs several times the CPU
 * per request, on the event loop the joins share.
 */
export function postJson(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const req = (secure ? httpsRequest : httpRequest)(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        agent: secure ? agents.https : agents.http,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        // Once the status is in, the answer counts whatever happens to its body.
        const done = () => {
          clearTimeout(timer);
          resolve(status);
        };
        res.on('end', done).on('close', done).on('error', done).resume();
      },
    );
    const timer = setTimeout(() => req.destroy(new NoAnswer()), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(body);
  });
}
