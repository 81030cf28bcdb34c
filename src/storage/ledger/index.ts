/**
 * The ledger: the one component that writes (DESIGN §9). The services say what should happen; the
 * ledger's statements decide, inside one batch each, what does.
 */
export { SqlLedger, type SqlLedgerOptions } from './ledger';
export { shareStatements, shareContent, retractStatements, feedbackStatements } from './hashes';
export { retractItemStatements, relabelItemStatements } from './items';
export { createClientStatements, setClientStatusStatements, addClientKeyStatements, revokeClientKeyStatements, rotateNodeKeyStatements } from './clients';
export { addPeerStatements, updatePeerStatements, pullStatements, pullFailureStatements, pullSuccessStatements, FEDERATION_ACTOR } from './federation';
export type { Stmt } from './sql';
