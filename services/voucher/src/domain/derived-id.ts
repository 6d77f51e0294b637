import { createHash } from 'node:crypto';

/** The namespace of ids this service derives (a random UUID fixed once). */
const NAMESPACE = Buffer.from('3b0f3c8e6f7a4d2b9a51c4e0d7b2a913', 'hex');

/**
 * A UUID (version 5, RFC 9562) derived from a name: the same step retried yields the same id, so
 * the outbox's primary key and every consumer's inbox drop the repeat.
 */
export function derivedId(name: string): string {
  const bytes = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
