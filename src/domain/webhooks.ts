import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { AppError } from '../errors/index.js';
import type { WebhookEvent, WebhookRecord, WebhookStore } from '../store/webhook-contract.js';
import { newId, type SecretBox } from './tokens.js';
import { newWebhookSecret } from './webhook-signing.js';

/** Loopback, private, link-local, carrier-grade NAT and unspecified ranges, for both families. */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6');

function isPrivate(address: string): boolean {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (v4mapped) return PRIVATE.check(v4mapped, 'ipv4');
  return PRIVATE.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

const invalid = (message: string) => new AppError('validation_failed', message);

/**
 * A webhook URL is http(s) without credentials. Unless private addresses are allowed, its host must
 * not be, or resolve to, a loopback, private or link-local address (checked at registration).
 */
export async function checkWebhookUrl(raw: string, allowPrivate: boolean): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('url: not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('url: must be http or https');
  if (url.username || url.password) throw invalid('url: must not carry credentials');
  if (allowPrivate) return url.toString();
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host)
    ? [host]
    : await lookup(host, { all: true }).then(
        (r) => r.map((a) => a.address),
        () => {
          throw invalid(`url: host "${host}" does not resolve`);
        },
      );
  if (host === 'localhost' || addresses.some(isPrivate))
    throw invalid('url: names a private or loopback address (allowed only with QK_WEBHOOK_PRIVATE=on)');
  return url.toString();
}

/** Registers a webhook; the secret is returned here only, and stored sealed. */
export async function registerWebhook(
  store: WebhookStore,
  input: { url: string; events: readonly WebhookEvent[]; includeContact: boolean },
  opts: { allowPrivate: boolean; now: Date; secrets: SecretBox },
): Promise<{ record: WebhookRecord; secret: string }> {
  const url = await checkWebhookUrl(input.url, opts.allowPrivate);
  const secret = newWebhookSecret();
  const events = [...new Set(input.events)];
  const record = await store.createWebhook(
    {
      id: newId('wh', opts.now.getTime()),
      url,
      events,
      sealedSecret: opts.secrets.seal(secret),
      includeContact: input.includeContact,
    },
    opts.now,
  );
  return { record, secret };
}
