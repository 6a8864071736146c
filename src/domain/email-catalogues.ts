/**
 * The customer emails in each language a page offers (the page strings live in
 * src/http/pages/catalogues). `{number}`, `{position}`, `{desk}` and `{link}` are filled in.
 */
export interface EmailCatalogue {
  readonly nearSubject: string;
  readonly nearText: string;
  readonly calledSubject: string;
  readonly calledText: string;
  /** Appended to the called message when the call named a desk. */
  readonly desk: string;
  readonly yourTicket: string;
}

const en: EmailCatalogue = {
  nearSubject: 'Ticket {number}: nearly your turn',
  nearText: 'Ticket {number} is now number {position} in line. Please make your way back.',
  calledSubject: 'Ticket {number}: you are called{desk}',
  calledText: 'Ticket {number}: it is your turn{desk}.',
  desk: ' (desk {desk})',
  yourTicket: 'Your ticket: {link}',
};

const es: EmailCatalogue = {
  nearSubject: 'Turno {number}: ya casi es su turno',
  nearText: 'El turno {number} es ahora el número {position} en la fila. Por favor, vuelva ya.',
  calledSubject: 'Turno {number}: le están llamando{desk}',
  calledText: 'Turno {number}: es su turno{desk}.',
  desk: ' (mostrador {desk})',
  yourTicket: 'Su turno: {link}',
};

const ar: EmailCatalogue = {
  nearSubject: 'التذكرة {number}: اقترب دورك',
  nearText: 'التذكرة {number} أصبحت الآن رقم {position} في الطابور. يُرجى العودة.',
  calledSubject: 'التذكرة {number}: حان دورك{desk}',
  calledText: 'التذكرة {number}: حان دورك{desk}.',
  desk: ' (المكتب {desk})',
  yourTicket: 'تذكرتك: {link}',
};

export const EMAIL_CATALOGUES = { en, es, ar } as const satisfies Record<string, EmailCatalogue>;
export type EmailLang = keyof typeof EMAIL_CATALOGUES;
export const EMAIL_LANGS = Object.keys(EMAIL_CATALOGUES) as [EmailLang, ...EmailLang[]];
