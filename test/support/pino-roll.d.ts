/** pino-roll ships no types; the tests drive a rotation in-process through this one function. */
declare module 'pino-roll' {
  import type { SonicBoom } from 'sonic-boom';
  export default function roll(options: Record<string, unknown>): Promise<SonicBoom>;
}
