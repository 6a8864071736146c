import { EMAIL_CATALOGUES, type EmailLang } from './email-catalogues.js';

/** What a customer reads when their ticket nears the front or is called (docs/notifications.md). */
export interface EmailMessage {
  readonly subject: string;
  readonly text: string;
}

/** Sends one message; rejects when the SMTP server refuses or cannot be reached. */
export type SendEmail = (to: string, message: EmailMessage) => Promise<void>;

const ADDRESS = /^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+$/;

/** The contact as an address to write to, or null when it is not one (a phone number, say). */
export const emailAddress = (contact: unknown): string | null =>
  typeof contact === 'string' && ADDRESS.test(contact.trim()) ? contact.trim() : null;

const fill = (template: string, values: Record<string, string>): string =>
  template.replace(/\{(\w+)\}/g, (all, key: string) => values[key] ?? all);

/**
 * The message for a ticket event, in the language the customer joined in (English when unknown),
 * with the link back to their ticket page; null for events that send no email.
 */
export function emailMessage(type: string, data: Record<string, unknown>, publicUrl: string): EmailMessage | null {
  const t = Object.hasOwn(EMAIL_CATALOGUES, String(data.lang))
    ? EMAIL_CATALOGUES[data.lang as EmailLang]
    : EMAIL_CATALOGUES.en;
  const counter = typeof data.counter === 'string' && data.counter !== '' ? data.counter : null;
  const values = {
    number: String(data.number),
    position: String(data.position),
    desk: counter === null ? '' : fill(t.desk, { desk: counter }),
    link: `${publicUrl}/t/${String(data.id)}`,
  };
  const footer = `\n\n${fill(t.yourTicket, values)}\n`;
  if (type === 'ticket.near') return { subject: fill(t.nearSubject, values), text: fill(t.nearText, values) + footer };
  if (type === 'ticket.called')
    return { subject: fill(t.calledSubject, values), text: fill(t.calledText, values) + footer };
  return null;
}
