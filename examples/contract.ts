/**
 * The examples use the demo's contract (demo/shared/contract.ts): the one description of the
 * demo's API that its worker implements and its pages import.
 */
export { contract } from '../demo/shared/contract.ts';
