import { loadConfig } from '../../config/index.js';
import { EXIT } from '../../errors/index.js';
import { emit } from '../output.js';

/** `queuekeeper health`: asks the running server's readiness route. */
export async function health(json: boolean): Promise<void> {
  const config = loadConfig();
  const url = `${config.baseUrl}/health/ready`;
  let doc: Record<string, unknown>;
  let ok = false;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    doc = (await res.json()) as Record<string, unknown>;
    ok = res.status === 200;
  } catch (e) {
    doc = { status: 'unreachable', url, error: (e as Error).cause ? String((e as Error).cause) : (e as Error).message };
  }
  emit(json, doc, () => `${ok ? 'ready' : 'NOT READY'}: ${JSON.stringify(doc)}`);
  process.exitCode = ok ? EXIT.ok : EXIT.failed;
}
