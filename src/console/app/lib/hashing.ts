/** The page's side of the hashing worker: one worker, requests answered in order. */
import type { HashRequest, HashResponse, LocalHashes } from './hash-protocol';

let worker: Worker | undefined;
let nextId = 1;
const waiting = new Map<number, { resolve: (h: LocalHashes) => void; reject: (e: Error) => void }>();

function hashWorker(): Worker {
  if (!worker) {
    const url = document.querySelector<HTMLMetaElement>('meta[name="mhn-hash-worker"]')?.content;
    if (!url) throw new Error('the page names no hashing worker');
    worker = new Worker(url, { type: 'module', name: 'hasher' });
    worker.onmessage = (ev: MessageEvent<HashResponse>) => {
      const w = waiting.get(ev.data.id);
      waiting.delete(ev.data.id);
      if (!w) return;
      if (ev.data.ok) w.resolve(ev.data.result);
      else w.reject(new Error(ev.data.error));
    };
    worker.onerror = (ev) => {
      for (const w of waiting.values()) w.reject(new Error(`the hashing worker failed: ${ev.message}`));
      waiting.clear();
      worker = undefined;
    };
  }
  return worker;
}

/** Hashes a file inside this browser. */
export async function hashLocally(file: File, dihedral: boolean): Promise<LocalHashes> {
  const bytes = await file.arrayBuffer();
  const id = nextId++;
  const w = hashWorker();
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    const req: HashRequest = { id, bytes, type: file.type, dihedral };
    w.postMessage(req, [bytes]);
  });
}
