// The floor of the live bench: a plain Node TCP server with no HTTP stack, no queue and no pass.
// It answers each connection with a bare response head and that connection's first event; then,
// for every line on stdin, writes one event to every connection: a real ticket event's bytes with
// the connection's new position, one string write each, as a stream of the real server gets.
// Nagle's algorithm is off, as on the real server's sockets (Node's HTTP server turns it off).
import net from 'node:net';

const { before, after, start } = JSON.parse(process.env.FLOOR_EVENT ?? '{}');
const HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n\r\n';
const sockets = [];
const positions = [];
let round = 0;

const server = net.createServer({ noDelay: true }, (s) => {
  s.on('error', () => undefined);
  s.once('data', () => {
    positions.push(start + sockets.length);
    sockets.push(s);
    s.write(HEAD + before + (start + sockets.length - 1 - round) + after);
  });
});
process.stdin.on('data', (lines) => {
  for (const byte of lines) {
    if (byte !== 10) continue;
    round++;
    for (let i = 0; i < sockets.length; i++) sockets[i].write(before + (positions[i] - round) + after);
  }
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening on ${server.address().port}\n`));
