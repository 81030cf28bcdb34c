/**
 * The robust room (issue 14): what makes an edited re-post still match. Border and bar removal
 * (trim.ts), small rotations undone (deskew.ts), crops stored at enrolment and the regions a query
 * adds (variants.ts), the blockhash quality gate (gates.ts), and the rule table that says which
 * variant matches at which distance (rules.ts). Pure: RGBA pixels and the kernels in, hashes out;
 * no decoder, no I/O, no module state, so a worker pool can run any of it.
 */
export * from './deskew';
export * from './gates';
export * from './image';
export * from './rules';
export * from './trim';
export * from './variants';
