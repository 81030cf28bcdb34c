/**
 * The loopback server ffmpeg reads a video from: the bytes served from memory at
 * http://127.0.0.1:<random port>/<random 256-bit path>, with Range support (an MP4 with its index at
 * the end needs seeking, which a pipe cannot give), for the length of one probe or one decode.
 * Nothing touches the disk.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Served {
  url: string;
  close(): Promise<void>;
}

/** Serves `bytes` at http://127.0.0.1:<random port>/<random 256-bit path> until closed. */
async function serve(bytes: Uint8Array): Promise<Served> {
  const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const path = `/${randomBytes(32).toString('hex')}`;
  const server = createServer((req, res) => respond(req, res, path, body));
  server.on('clientError', (_e, socket) => socket.destroy());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function respond(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): void {
  res.on('error', () => undefined); // the reader hanging up mid-body is normal: it seeks by reconnecting
  if (req.url !== path || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404).end();
    return;
  }
  const size = body.length;
  let start = 0;
  let end = size - 1;
  const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (req.headers.range && m && (m[1] || m[2])) {
    if (m[1]) {
      start = Number(m[1]);
      if (m[2]) end = Math.min(Number(m[2]), size - 1);
    } else start = Math.max(0, size - Number(m[2]));
    if (start >= size || start > end) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
      return;
    }
    res.writeHead(206, {
      'Accept-Ranges': 'bytes',
      'Content-Range': `bytes ${start}-${end}/${size}`,
      'Content-Length': end - start + 1,
      'Content-Type': 'application/octet-stream',
    });
  } else {
    res.writeHead(200, { 'Accept-Ranges': 'bytes', 'Content-Length': size, 'Content-Type': 'application/octet-stream' });
  }
  res.end(req.method === 'HEAD' ? undefined : body.subarray(start, end + 1));
}

export async function withServer<T>(bytes: Uint8Array, fn: (url: string) => Promise<T>): Promise<T> {
  const s = await serve(bytes);
  try {
    return await fn(s.url);
  } finally {
    await s.close();
  }
}

export async function* withServerGen<T>(bytes: Uint8Array, fn: (url: string) => AsyncGenerator<T>): AsyncGenerator<T> {
  const s = await serve(bytes);
  try {
    yield* fn(s.url);
  } finally {
    await s.close();
  }
}
