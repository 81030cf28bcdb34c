/**
 * The media room: what a decoded image is and what a decoder must provide (image.ts), and the
 * image-format sniffing and header reading (header.ts) that decide 415 from 422 before any decoder
 * runs. Decoders themselves live in the runtimes (sharp on Node, WebAssembly at the edge).
 */
export * from './header';
export * from './image';
