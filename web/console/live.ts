import { KEY_REJECTED, session } from './session.js';

const RETRY_MS = 3000;

/**
 * Follows a queue's change stream with fetch, so the key travels in the Authorization header and
 * never in a URL (EventSource cannot send headers). Each `changed` event calls `onChange`; a broken
 * stream is retried. Returns a function that stops.
 */
export function followQueue(queueId: string, onChange: () => void): () => void {
  const abort = new AbortController();
  let retry: ReturnType<typeof setTimeout> | undefined;
  const connect = async () => {
    try {
      const res = await fetch(`/api/queues/${encodeURIComponent(queueId)}/changes`, {
        headers: { authorization: `Bearer ${session.key() ?? ''}`, accept: 'text/event-stream' },
        signal: abort.signal,
        cache: 'no-store',
      });
      if (res.status === 401) return session.end(KEY_REJECTED);
      if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        const events = buffer.split('\n\n');
        buffer = events.pop() ?? '';
        if (events.some((e) => e.includes('event: changed'))) onChange();
      }
    } catch {
      if (abort.signal.aborted) return;
    }
    if (!abort.signal.aborted) retry = setTimeout(() => void connect(), RETRY_MS);
  };
  void connect();
  return () => {
    abort.abort();
    clearTimeout(retry);
  };
}
