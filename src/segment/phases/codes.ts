/**
 * Phase codes of the label volume and the working states the phase steps use before the final
 * codes, with the constants the steps share. The final codes are the output contract
 * (docs/contract.md): 0 void/pore, 1 Li, 2 electrolyte, 3 collector, 4 cathode, 5 outside, 255
 * undecided. Working states live in the low nibble of the label byte; the high nibble carries the
 * fringe-distance bin (step 5), then growth markers (step 6) or PENDING (step 7).
 */

export const VOID = 0, LI = 1, ELECTROLYTE = 2, COLLECTOR = 3, OUTSIDE = 5, UNDECIDED = 255;
/**
 * Working states (low nibble of the label byte) before the final codes: a low-density voxel of an
 * electrode component (Li or void, decided by grey level), a candidate filament voxel below the
 * electrolyte surface, and undecided. The high nibble carries the fringe bin, then growth markers.
 */
export const ELECTRODE = 4, CAND = 5, OPEN = 15;
/** Working state of air beyond the collector / plunger (final code OUTSIDE). */
export const AIR = 6;
/** Working state of cathode active material (final code CATHODE: 4 is ELECTRODE while working). */
export const CAM = 7;
export const CATHODE = 4;
/** Index of the collector's second material (metal plunger behind a carbon foil) in the phase-level arrays. */
export const COLLECTOR_2ND = 6;
/**
 * Highest code taking part in the nearest-mean rules (undecided voxels, boundary refinement): the
 * air outside the cell too, against a collector only, so that the partial-volume voxels of an
 * air | plunger face split at the half-way grey instead of all going to the plunger (the only phase
 * among their neighbours before). Its other faces stay where the layout steps put them.
 */
export const LAST_PHASE = OUTSIDE;
/** A decision taken in the current pass of step 7 (low 3 bits: the phase), committed after the pass. */
export const PENDING = 0x80;
/** Slices per connected-components slab: bounded scratch (≈ 5 bytes per slab voxel). */
export const CC_SLAB_VOXELS = 1 << 23;
/** Slices whose refinement candidates are gathered at once (bounds that list's memory). */
export const REFINE_CHUNK_SLICES = 16;
/** Fringe distances measured (voxels from a bright phase): bins 1..DMAX electrolyte, DMAX+1..2·DMAX collector. */
export const DMAX = 4;
/** Partial-volume voxels tolerated between the air and a layer when walking in from an end. */
export const TRANSITION = 2;
/** Robust σ below the electrolyte median that makes a voxel a sub-voxel pore (step 9). */
export const PORE_DIP = 4;
/**
 * Voxels bridged between a metal plunger's face and the carbon foil behind it when walking a
 * collector run: the steel face's dark phase-contrast fringe (2–3 voxels on the phantoms, darker
 * than Li) and the partial volume on both sides of it.
 */
export const FRINGE_GAP = 2 * TRANSITION + 1;
