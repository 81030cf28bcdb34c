/**
 * The document room: PDFs and plain text. A PDF's stored form (its pages' PDQ hashes and their
 * digest, pages.ts), the renderer contract and the loop that hashes its pages and text (render.ts),
 * and reading `text/plain` bodies in their declared or marked encoding (text.ts). Rendering itself
 * is a runtime's business (poppler on Node).
 */
export * from './pages';
export * from './render';
export * from './text';
