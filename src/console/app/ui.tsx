/** Shared pieces of the console's pages: errors in the node's words, loading, forms, times. */
import type { Child } from 'hono/jsx';
import { useCallback, useEffect, useState } from 'hono/jsx/dom';
import { ApiError } from './lib/api';

/** A refusal as the node worded it (problem+json `detail` and each field's message), or another failure. */
export function ErrorBox({ error, context }: { error: unknown; context?: string }) {
  if (!error) return null;
  const e = error instanceof Error ? error : new Error(String(error));
  const api = e instanceof ApiError ? e : undefined;
  return (
    <div class="error" role="alert">
      <p>
        <strong>
          {context ? `${context}: ` : ''}
          {api ? `${api.title ?? 'Refused'} (${api.status}${api.code ? `, ${api.code}` : ''})` : 'Error'}
        </strong>
      </p>
      <p class="detail">{e.message}</p>
      {api && api.errors.length > 0 && (
        <ul>
          {api.errors.map((f) => (
            <li>
              <code>{f.path}</code>: {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A polite live region: results and progress are announced to screen readers. */
export function Status({ children }: { children?: Child }) {
  return (
    <div class="status" role="status" aria-live="polite">
      {children}
    </div>
  );
}

export interface Load<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` on mount and whenever `keys` change; `reload` runs it again. */
export function useLoad<T>(load: () => Promise<T>, keys: unknown[] = []): Load<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...keys, tick]);
  return { ...state, reload: useCallback(() => setTick((t) => t + 1), []) };
}

/** A button's action with its own busy state and error. */
export function useAction<A extends unknown[]>(run: (...args: A) => Promise<unknown>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const go = async (...args: A) => {
    setBusy(true);
    setError(undefined);
    try {
      await run(...args);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, go, setError };
}

/** The value of the form field an event came from (input, select, textarea). */
export function fieldValue(e: Event): string {
  const t = e.target;
  return t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement ? t.value : '';
}

/** Whether the checkbox an event came from is ticked. */
export const isChecked = (e: Event): boolean => e.target instanceof HTMLInputElement && e.target.checked;

/** What a caught error says. */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const when = (ms: number | string | undefined): string => {
  if (ms === undefined) return '';
  const d = new Date(ms);
  return Number.isNaN(d.getTime())
    ? String(ms)
    : d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC');
};

/** A long hex or base64 value, breakable anywhere so it never widens the page. */
export const Mono = ({ children }: { children?: Child }) => <code class="mono">{children}</code>;

export function PageTitle({ children }: { children?: Child }) {
  return (
    <h1 id="page-title" tabIndex={-1}>
      {children}
    </h1>
  );
}
