/**
 * Region of interest: a box of the volume, given per axis in voxels or µm, applied when a volume is
 * opened so that every stage sees only the box (the anode-free paper analysed the central
 * 800 × 800 µm of its scans). `crop(source, box)` reads whole slices of the box's z range and
 * copies the box's rows and columns out: memory one slab, time O(slab), no copy of the file.
 *
 * Syntax (`--roi`, `input.roi`): comma-separated `AXIS=START:END` or `AXIS=center:LENGTH`, AXIS one
 * of z, y, x, numbers in voxels, or in µm with a `um` suffix on the item; an axis not named is whole.
 * START:END is half-open ([START, END)); an empty START or END is the volume's start or end.
 *   z=10:120,y=100:900,x=100:900     voxels
 *   y=center:800um,x=center:800um    the central 800 × 800 µm
 */
import { InputError } from './errors.js';
import { allocate, bytesPerVoxel, type Shape3, type Spacing3, type VoxelArray } from './volume.js';
import type { VolumeSource } from './source.js';

type AxisName = 'z' | 'y' | 'x';
const AXES: AxisName[] = ['z', 'y', 'x'];

export interface RoiAxis {
  /** [start, end) or centred length; null ends: the volume's. */
  kind: 'range' | 'center';
  start: number | null;
  end: number | null;
  length: number | null;
  unit: 'voxel' | 'um';
}
export type RoiSpec = Partial<Record<AxisName, RoiAxis>>;

/** The box in voxels: [start, end) per axis z, y, x. */
export type RoiBox = [[number, number], [number, number], [number, number]];

const NUM = String.raw`-?\d+(?:\.\d+)?`;

export function parseRoi(text: string, where = '--roi'): RoiSpec {
  const spec: RoiSpec = {};
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new InputError(`${where}: empty (give e.g. y=center:800um,x=center:800um or z=10:120)`);
  for (const item of items) {
    const m = new RegExp(`^([zyx])\\s*=\\s*(?:(center)\\s*:\\s*(${NUM})|(${NUM})?(um|µm)?\\s*:\\s*(${NUM})?)\\s*(um|µm|vox)?$`, 'i').exec(item);
    if (!m) throw new InputError(`${where}: '${item}' is not AXIS=START:END or AXIS=center:LENGTH (AXIS z, y or x; voxels, or µm with a um suffix)`);
    const axis = m[1].toLowerCase() as AxisName;
    if (spec[axis]) throw new InputError(`${where}: axis ${axis} given twice`);
    // µm: a um suffix on the item (or on its start too: 5um:25um)
    const unit = m[5] || (m[7] && m[7].toLowerCase() !== 'vox') ? 'um' : 'voxel';
    const r: RoiAxis = m[2]
      ? { kind: 'center', start: null, end: null, length: Number(m[3]), unit }
      : { kind: 'range', start: m[4] !== undefined ? Number(m[4]) : null, end: m[6] !== undefined ? Number(m[6]) : null, length: null, unit };
    if (r.kind === 'center' && !(r.length! > 0)) throw new InputError(`${where}: '${item}': the length must be positive`);
    if (unit === 'voxel' && [r.start, r.end, r.length].some((v) => v !== null && !Number.isInteger(v))) throw new InputError(`${where}: '${item}': voxel positions are integers (add um for µm)`);
    spec[axis] = r;
  }
  return spec;
}

/** The box in voxels of a volume of `shape` (µm items need `spacing`); refused when empty or outside. */
export function resolveRoi(spec: RoiSpec, shape: Shape3, spacing: Spacing3 | null, file: string): RoiBox {
  return AXES.map((axis, a) => {
    const r = spec[axis];
    const n = shape[a];
    if (!r) return [0, n] as [number, number];
    if (r.unit === 'um' && !spacing) throw new InputError(`--roi in µm needs the voxel size (none in the file): give --voxel or the region in voxels`, file);
    const toVox = (v: number) => (r.unit === 'um' ? v / spacing![a] : v);
    let s: number, e: number;
    if (r.kind === 'center') {
      const len = Math.round(toVox(r.length!));
      s = Math.floor((n - len) / 2);
      e = s + len;
    } else {
      s = r.start === null ? 0 : Math.round(toVox(r.start));
      e = r.end === null ? n : Math.round(toVox(r.end));
    }
    if (s < 0 || e > n || e <= s) throw new InputError(`--roi: ${axis} ${s}:${e} (voxels) is empty or outside the volume's 0:${n}`, file);
    return [s, e] as [number, number];
  }) as RoiBox;
}

export const roiShape = (box: RoiBox): Shape3 => box.map(([s, e]) => e - s) as Shape3;
export const roiText = (box: RoiBox): string => box.map(([s, e], a) => `${AXES[a]} ${s}:${e}`).join(', ');

/** The box of `source` as a volume source of its own. */
export function cropSource(source: VolumeSource, box: RoiBox): VolumeSource {
  const [[z0, z1], [y0, y1], [x0, x1]] = box;
  const [, ny, nx] = source.shape;
  if (z0 === 0 && z1 === source.shape[0] && y0 === 0 && y1 === ny && x0 === 0 && x1 === nx) return source;
  const cny = y1 - y0, cnx = x1 - x0;
  return {
    ...source,
    shape: [z1 - z0, cny, cnx],
    detail: `${source.detail}; region ${roiText(box)} of ${source.shape.join('×')}`,
    readRows: undefined,
    async readSlices(a: number, b: number, into?: VoxelArray): Promise<VoxelArray> {
      const out = into ?? allocate(source.dtype, (b - a) * cny * cnx);
      // whole slices of the file, a few at a time: the box may be a small part of each slice
      const step = Math.max(1, Math.floor((64 << 20) / (ny * nx * bytesPerVoxel(source.dtype))));
      for (let c = a; c < b; c += step) {
        const d = Math.min(b, c + step);
        const full = (await source.readSlices(z0 + c, z0 + d)) as Float32Array;
        for (let z = 0; z < d - c; z++) {
          for (let y = 0; y < cny; y++) {
            const from = (z * ny + y0 + y) * nx + x0;
            (out as Float32Array).set(full.subarray(from, from + cnx), ((c - a + z) * cny + y) * cnx);
          }
        }
      }
      return out;
    },
    close: () => source.close(),
  };
}
