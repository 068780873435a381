/**
 * Time series of one cell (issue #21): rigid (or affine) registration of each later scan to the first and
 * resampling into its frame. transform.ts (conventions), pyramid.ts, phase-correlation.ts
 * (translation search), rigid.ts + solve.ts (Gauss–Newton), register.ts (coarse to fine),
 * resample.ts, mask.ts (stable phases), run.ts (files).
 */
export { registerSeries, SERIES_CONVENTION, type SeriesOptions, type SeriesRecord, type SeriesTransformRecord } from './run.js';
export { registerRigid, type RegisterOptions, type RegisterResult } from './register.js';
export { fieldOfViewMask, stablePhaseMask } from './mask.js';
export { fromEulerZYX, toEulerZYX, rotationDistanceDeg, rigidFrom, inverse, inverseAffine, decomposeAffine, affineRows, indexMap, volumeCentre, type AffineParts, type RigidTransform, type Mat3, type Vec3 } from './transform.js';
export { resampleLinear, resampleNearest } from './resample.js';
