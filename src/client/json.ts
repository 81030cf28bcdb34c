/** Reading JSON the node (or a proxy in front of it) sent, without taking its shape on trust: the helpers of core. */
export { count, isRecord, member, text } from '../core/json';
