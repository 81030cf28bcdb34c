/**
 * Seals the node's private signing keys at rest: AES-256-GCM under a key derived (HKDF-SHA-256)
 * from the node's secret. WebCrypto, so the same code runs on Node and Workers.
 */
const te = new TextEncoder();
const td = new TextDecoder();

const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

export class SecretBox {
  private keyP: Promise<CryptoKey>;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('the node secret must be at least 32 characters');
    this.keyP = crypto.subtle
      .importKey('raw', te.encode(secret), 'HKDF', false, ['deriveKey'])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: 'HKDF', hash: 'SHA-256', salt: te.encode('media-hash-node/node-keys'), info: te.encode('aes-256-gcm v1') },
          base,
          { name: 'AES-GCM', length: 256 },
          false,
          ['encrypt', 'decrypt'],
        ),
      );
  }

  async seal(plaintext: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await this.keyP, te.encode(plaintext)));
    return `v1.${b64(iv)}.${b64(ct)}`;
  }

  async open(sealed: string): Promise<string> {
    const [v, iv, ct] = sealed.split('.');
    if (v !== 'v1' || !iv || !ct) throw new Error('not a sealed value');
    try {
      return td.decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: unb64(iv) }, await this.keyP, unb64(ct)));
    } catch {
      throw new Error('the node secret does not open the stored signing key (was NODE_SECRET changed?)');
    }
  }
}
