import nodemailer from 'nodemailer';
import type { SendEmail } from '../domain/notify-email.js';

/** Email through the SMTP server of `QK_SMTP_URL`; one pooled transport per node. */
export function smtpSender(url: string, from: string): SendEmail {
  const transport = nodemailer.createTransport(url);
  return async (to, message) => {
    await transport.sendMail({ from, to, subject: message.subject, text: message.text });
  };
}
