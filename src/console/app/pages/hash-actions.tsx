/** Retract, confirm, dispute: the partner's actions on one stored hash, answered in the node's words. */
import { useState } from 'hono/jsx/dom';
import { call } from '../lib/api';
import { ErrorBox, useAction } from '../ui';

export function HashActions({ id, canRetract = true, onChange }: { id: string; canRetract?: boolean; onChange?: () => void }) {
  const [said, setSaid] = useState('');
  const base = `/v1/hashes/${encodeURIComponent(id)}`;
  const act = useAction(async (what: 'retract' | 'confirm' | 'dispute') => {
    setSaid('');
    if (what === 'retract') {
      if (!confirm('Retract your share of this hash? Other members stop matching it once no member stands behind it.')) return;
      const r = await call<{ status: string; contributors: number }>('DELETE', base);
      setSaid(`Retracted: the hash is now ${r.status}, ${r.contributors} member(s) still stand behind it.`);
    } else {
      const r = await call<{ feedback: { confirm: number; dispute: number } }>('POST', `${base}/feedback`, { json: { verdict: what } });
      setSaid(`${what === 'confirm' ? 'Confirmed' : 'Disputed'}: ${r.feedback.confirm} confirm, ${r.feedback.dispute} dispute.`);
    }
    onChange?.();
  });
  return (
    <div class="hash-actions">
      <div class="actions">
        <button type="button" disabled={act.busy} onClick={() => act.go('confirm')} aria-label={`Confirm hash ${id}`}>
          Confirm
        </button>
        <button type="button" disabled={act.busy} onClick={() => act.go('dispute')} aria-label={`Dispute hash ${id}`}>
          Dispute
        </button>
        {canRetract && (
          <button type="button" class="danger" disabled={act.busy} onClick={() => act.go('retract')} aria-label={`Retract hash ${id}`}>
            Retract
          </button>
        )}
      </div>
      <p class="said" role="status">
        {said}
      </p>
      <ErrorBox error={act.error} />
    </div>
  );
}
