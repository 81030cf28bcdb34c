/**
 * "Remember this key on this browser": the signing key kept in IndexedDB as a non-extractable
 * CryptoKey (IndexedDB stores the key object itself; no script, this page's included, can export
 * it), with the client id and the node it belongs to. Forgetting deletes it.
 */
import type { ClientAlg } from './jws';

export interface StoredKey {
  issuer: string;
  clientId: string;
  alg: ClientAlg;
  kid?: string;
  key: CryptoKey;
}

const DB = 'media-hash-node-console';
const STORE = 'keys';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function run<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = f(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result as T);
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

export const loadKey = (issuer: string): Promise<StoredKey | undefined> => run<StoredKey | undefined>('readonly', (s) => s.get(issuer)).catch(() => undefined);
export const saveKey = (k: StoredKey): Promise<void> => run('readwrite', (s) => s.put(k, k.issuer));
export const forgetKey = (issuer: string): Promise<void> => run('readwrite', (s) => s.delete(issuer));
