/**
 * Li / electrolyte contact at the electrolyte surface found by the thickness map: per column, whether
 * the voxel next to the surface on the Li side is Li, and the mean electrolyte depth. Works on blocks
 * of whole columns (map rows), so the out-of-core map computes it in its measuring pass.
 */
import type { Shape3, Spacing3, Volume } from '../io/volume.js';
import { columnAccess, type Axis, type ColumnBlock } from './map.js';

const LI = 1;
const ELECTROLYTE = 2;

export interface InterfaceContact {
  /** 1 where the voxel next to the electrolyte surface on the Li side is Li, 0 where it is not, 255 where the column has no surface. */
  contact: Uint8Array;
  /** Mean electrolyte voxels per column × voxel size along the axis (µm). */
  electrolyteDepthUm: number;
  /** Fraction of the columns with a surface whose Li-side neighbour is Li. */
  contactFraction: number;
}

/** Running state of the contact computation over blocks of map rows (integer counts: exact in any order). */
export interface ContactCounts {
  shape: Shape3;
  axis: Axis;
  liSide: 'low' | 'high';
  n: number;
  rows: number;
  cols: number;
  d: number;
  surface: Float32Array;
  contact: Uint8Array;
  electrolyte: number;
  inContact: number;
  valid: number;
}

export function newContactCounts(shape: Shape3, spacing: Spacing3 | null, axis: Axis, liSide: 'low' | 'high', surface: Float32Array): ContactCounts {
  const [nz, ny, nx] = shape;
  const sp = spacing ?? [1, 1, 1];
  const g = axis === 'z' ? { n: nz, rows: ny, cols: nx, d: sp[0] } : axis === 'y' ? { n: ny, rows: nz, cols: nx, d: sp[1] } : { n: nx, rows: nz, cols: ny, d: sp[2] };
  return { shape, axis, liSide, ...g, surface, contact: new Uint8Array(g.rows * g.cols), electrolyte: 0, inContact: 0, valid: 0 };
}

/** Contact of the columns of map rows [b0, b1) held in `block`. */
export function contactRows(acc: ContactCounts, block: ColumnBlock, b0: number, b1: number): void {
  const { n, cols, d, surface, contact, liSide } = acc;
  const { stride, base } = columnAccess(acc.shape, acc.axis, block.r0, block.held);
  const data = block.labels;
  let el = 0, inContact = 0, valid = 0;
  for (let r = b0; r < b1; r++)
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const b = base(r, c);
      for (let k = 0; k < n; k++) if (data[b + k * stride] === ELECTROLYTE) el++;
      const s = surface[i];
      if (!Number.isFinite(s)) {
        contact[i] = 255;
        continue;
      }
      // surface height s µm from index 0 is the face between the surface voxel and its Li-side
      // neighbour: low side → surface voxel s/d, neighbour s/d − 1; high side → surface voxel
      // s/d − 1 (its upper face), neighbour s/d
      const k = liSide === 'low' ? Math.round(s / d) - 1 : Math.round(s / d);
      const v = k >= 0 && k < n ? data[b + k * stride] : 0;
      contact[i] = v === LI ? 1 : 0;
      valid++;
      inContact += contact[i];
    }
  acc.electrolyte += el;
  acc.inContact += inContact;
  acc.valid += valid;
}

export function contactResult(acc: ContactCounts): InterfaceContact {
  const m = acc.rows * acc.cols;
  return { contact: acc.contact, electrolyteDepthUm: (acc.electrolyte / m) * acc.d, contactFraction: acc.valid ? acc.inContact / acc.valid : 0 };
}

/**
 * Contact map (1 where the voxel next to the electrolyte surface on the Li side is Li, 0 where it is
 * a void, 255 where the column has no surface) and the mean electrolyte depth of the columns (µm).
 */
export function interfaceContact(labels: Volume, axis: Axis, liSide: 'low' | 'high', surface: Float32Array): InterfaceContact {
  const acc = newContactCounts(labels.shape, labels.spacing, axis, liSide, surface);
  contactRows(acc, { labels: labels.data as Uint8Array, scan: null, r0: 0, held: acc.rows }, 0, acc.rows);
  return contactResult(acc);
}
