/**
 * Former home of the sparse solvers, kept as a re-export so existing importers (the benchmark, the
 * tests, user code importing 'fem/sparse') need not change. The code now lives in:
 *   csc.ts                 upper-triangle CSC pattern helpers (patternFromPairs, findEntry, symMatVec)
 *   ldl.ts                 shared LDLᵀ base (elimination tree, condense / expand / solve, stats)
 *   ldl-supernodal.ts      SparseLdl, supernodal multifrontal (with ldl-front-kernels.ts)
 *   ldl-simplicial.ts      SimplicialLdl, up-looking reference
 *   dense.ts               dense Cholesky (also used by lcp.ts)
 *   pcg.ts                 Jacobi-preconditioned CG (benchmark baseline)
 */
export { type UpperCsc, patternFromPairs, findEntry, symMatVec } from './csc.js';
export { type FactorStats, LdlFactorization, eliminationTree } from './ldl.js';
export { SparseLdl } from './ldl-supernodal.js';
export { SimplicialLdl } from './ldl-simplicial.js';
export { choleskyInPlace, choleskySolve, denseSolveSpd } from './dense.js';
export { pcg } from './pcg.js';
