import QRCode from 'qrcode';
import { esc } from './html.js';

/**
 * An SVG QR code (error correction M, a four-module quiet zone) that scales to any size: the
 * board draws it large enough to scan across a room. Generated here, so no external service.
 */
export async function qrSvg(text: string, label: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
  return svg.replace('<svg ', `<svg role="img" aria-label="${esc(label)}" class="qr" `);
}
