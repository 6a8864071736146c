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

export function emailMessage(type: string, data: Record<string, unknown>, publicUrl: string): EmailMessage | null {
  const number = String(data.number);
  const link = `${publicUrl}/t/${String(data.id)}`;
  if (type === 'ticket.near')
    return {
      subject: `Ticket ${number}: nearly your turn`,
      text: `Ticket ${number} is now number ${String(data.position)} in line. Please make your way back.\n\nYour ticket: ${link}\n`,
    };
  if (type === 'ticket.called') {
    const desk = typeof data.counter === 'string' && data.counter !== '' ? ` (desk ${data.counter})` : '';
    return {
      subject: `Ticket ${number}: you are called${desk}`,
      text: `Ticket ${number}: it is your turn${desk}.\n\nYour ticket: ${link}\n`,
    };
  }
  return null;
}
