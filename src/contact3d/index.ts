export * from './fft.js';
export * from './kernel.js';
export * from './polonsky-keer.js';
export * from './clusters.js';
export * from './creep.js';
export * from './surface.js';
export * from './simulate.js';
export * from './run.js';
