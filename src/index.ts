export * from './io/volume.js';
export * from './io/errors.js';
export * from './io/spacing.js';
export type { VolumeSource } from './io/source.js';
