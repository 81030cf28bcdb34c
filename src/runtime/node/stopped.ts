/**
 * A decoder (ffmpeg, ffprobe, poppler's tools) ended by a signal the node did not send: an
 * operator's kill, the kernel's OOM killer, a signal meant for someone else. That is the node's
 * failure, never the file's: telling a member its video or PDF is corrupt would blame its file for
 * our trouble. 503 with Retry-After: nothing was kept, and the same request may well succeed in a
 * moment, here or on another instance (the client retries a 503 on its own).
 */
import { DomainError } from '../../core/errors';

/** Whether an error is one stoppedFromOutside made (a tool check that failed so says nothing about the tool). */
export const isStoppedFromOutside = (e: unknown): boolean => e instanceof DomainError && e.code === 'busy';

export const stoppedFromOutside = (tool: string, media: 'video' | 'PDF', how: string, cause: string) =>
  new DomainError('busy', `this node's ${tool} was stopped by ${how} before it finished: a failure of this node, not of the ${media}; retry in a moment`, {
    extra: { retryAfter: 5 },
    cause,
  });
