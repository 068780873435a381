/**
 * Rigid transforms of a scan series. A transform maps a point p of the first scan (µm, vector order
 * x, y, z) to where the same piece of sample lies in a later scan: q = R (p − c) + c + t, c the
 * centre of the first scan's volume. R = Rz(γ)·Ry(β)·Rx(α), right-handed rotations about the x
 * (columns), y (rows) and z (slices) axes. Public records list vectors in the volume order
 * [z, y, x] like the contract's shapes and spacings.
 */
import type { Shape3, Spacing3 } from '../io/volume.js';

export type Vec3 = [number, number, number];
/** 3×3 row-major, acting on (x, y, z) column vectors. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

export interface RigidTransform {
  /** Rotation, acting on (x, y, z). */
  R: Mat3;
  /** Translation t (µm, x, y, z). */
  t: Vec3;
  /** Rotation centre c (µm, x, y, z): the first scan's volume centre. */
  c: Vec3;
}

export const IDENTITY: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

export function matMul(a: Mat3, b: Mat3): Mat3 {
  const o = new Array<number>(9).fill(0) as Mat3;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) o[r * 3 + c] = a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c];
  return o;
}

export function transpose(a: Mat3): Mat3 {
  return [a[0], a[3], a[6], a[1], a[4], a[7], a[2], a[5], a[8]];
}

export function apply(a: Mat3, v: Vec3): Vec3 {
  return [a[0] * v[0] + a[1] * v[1] + a[2] * v[2], a[3] * v[0] + a[4] * v[1] + a[5] * v[2], a[6] * v[0] + a[7] * v[1] + a[8] * v[2]];
}

/** Rotation by the rotation vector w (radians, axis · angle), Rodrigues' formula. */
export function rodrigues(w: Vec3): Mat3 {
  const th = Math.hypot(w[0], w[1], w[2]);
  if (th < 1e-15) return [...IDENTITY];
  const [x, y, z] = [w[0] / th, w[1] / th, w[2] / th];
  const c = Math.cos(th);
  const s = Math.sin(th);
  const C = 1 - c;
  return [c + x * x * C, x * y * C - z * s, x * z * C + y * s, y * x * C + z * s, c + y * y * C, y * z * C - x * s, z * x * C - y * s, z * y * C + x * s, c + z * z * C];
}

/** R = Rz(γ)·Ry(β)·Rx(α) from angles in degrees given in volume order [γ about z, β about y, α about x]. */
export function fromEulerZYX(deg: Vec3): Mat3 {
  const [g, b, a] = deg.map((d) => (d * Math.PI) / 180);
  const rx: Mat3 = [1, 0, 0, 0, Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a)];
  const ry: Mat3 = [Math.cos(b), 0, Math.sin(b), 0, 1, 0, -Math.sin(b), 0, Math.cos(b)];
  const rz: Mat3 = [Math.cos(g), -Math.sin(g), 0, Math.sin(g), Math.cos(g), 0, 0, 0, 1];
  return matMul(rz, matMul(ry, rx));
}

/** Inverse of fromEulerZYX: [about z, about y, about x] in degrees (β in [−90°, 90°]). */
export function toEulerZYX(R: Mat3): Vec3 {
  const beta = -Math.asin(Math.max(-1, Math.min(1, R[6])));
  const alpha = Math.atan2(R[7], R[8]);
  const gamma = Math.atan2(R[3], R[0]);
  return [gamma, beta, alpha].map((r) => (r * 180) / Math.PI) as Vec3;
}

/** Angle (degrees) of the rotation A·Bᵀ: how far apart two rotations are. */
export function rotationDistanceDeg(a: Mat3, b: Mat3): number {
  const d = matMul(a, transpose(b));
  const cos = (d[0] + d[4] + d[8] - 1) / 2;
  return (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI;
}

/** Centre of a volume (µm, x, y, z) with voxel centres at index · spacing. */
export function volumeCentre(shape: Shape3, spacing: Spacing3): Vec3 {
  return [((shape[2] - 1) / 2) * spacing[2], ((shape[1] - 1) / 2) * spacing[1], ((shape[0] - 1) / 2) * spacing[0]];
}

/** The transform from volume-order parts: translation µm [z, y, x], Euler degrees [z, y, x]. */
export function rigidFrom(translationUmZYX: Vec3, rotationDegZYX: Vec3, centre: Vec3): RigidTransform {
  return { R: fromEulerZYX(rotationDegZYX), t: [translationUmZYX[2], translationUmZYX[1], translationUmZYX[0]], c: centre };
}

/**
 * The same map in voxel indices of the two volumes: moving index (i, j, k) = A · fixed index + b,
 * as 12 numbers [A row x; A row y; A row z; b] acting on (i, j, k).
 */
export function indexMap(T: RigidTransform, fixedSpacing: Spacing3, movingSpacing: Spacing3): { A: Mat3; b: Vec3 } {
  const sf: Vec3 = [fixedSpacing[2], fixedSpacing[1], fixedSpacing[0]];
  const sm: Vec3 = [movingSpacing[2], movingSpacing[1], movingSpacing[0]];
  const A = [...T.R] as Mat3;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) A[r * 3 + c] *= sf[c] / sm[r];
  const Rc = apply(T.R, T.c);
  const b: Vec3 = [0, 1, 2].map((r) => (T.c[r] - Rc[r] + T.t[r]) / sm[r]) as Vec3;
  return { A, b };
}

/** The inverse map q → p: R' = Rᵀ, t' = −Rᵀ t, same centre. */
export function inverse(T: RigidTransform): RigidTransform {
  const Rt = transpose(T.R);
  const ti = apply(Rt, T.t);
  return { R: Rt, t: [-ti[0], -ti[1], -ti[2]], c: [...T.c] };
}

/** Determinant of a 3×3. */
export function det3(a: Mat3): number {
  return a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6]);
}

/** Inverse of a 3×3 (adjugate / determinant); throws on a singular matrix. */
export function invert3(a: Mat3): Mat3 {
  const d = det3(a);
  if (!(Math.abs(d) > 1e-300)) throw new RangeError('singular 3×3 matrix');
  const i = 1 / d;
  return [
    (a[4] * a[8] - a[5] * a[7]) * i, (a[2] * a[7] - a[1] * a[8]) * i, (a[1] * a[5] - a[2] * a[4]) * i,
    (a[5] * a[6] - a[3] * a[8]) * i, (a[0] * a[8] - a[2] * a[6]) * i, (a[2] * a[3] - a[0] * a[5]) * i,
    (a[3] * a[7] - a[4] * a[6]) * i, (a[1] * a[6] - a[0] * a[7]) * i, (a[0] * a[4] - a[1] * a[3]) * i,
  ];
}

/**
 * Inverse of an affine map q = A (p − c) + c + t (the `R` field any invertible matrix):
 * p = A⁻¹ (q − c) + c − A⁻¹ t. Rigid callers keep `inverse` (exact transpose).
 */
export function inverseAffine(T: RigidTransform): RigidTransform {
  const Ai = invert3(T.R);
  const ti = apply(Ai, T.t);
  return { R: Ai, t: [-ti[0], -ti[1], -ti[2]], c: [...T.c] };
}

/** Parts of A = R · diag(s) · (I + K), K strictly upper triangular (x, y, z order), det R = +1. */
export interface AffineParts {
  R: Mat3;
  /** Scale along x, y, z of scan 0 (before the rotation). */
  scaleXYZ: Vec3;
  /** Shear K: [k_xy, k_xz, k_yz] (x gains k_xy·y and k_xz·z, y gains k_yz·z). */
  shear: Vec3;
}

/**
 * QR (Gram–Schmidt on the columns) of A: the rotation, the axis scales of scan 0's frame and the
 * shear. A pure rotation gives scale 1 and shear 0; R · diag(s) gives back R and s exactly (up to
 * rounding). A reflection (det A < 0) puts the sign on the z scale.
 */
export function decomposeAffine(A: Mat3): AffineParts {
  const col = (c: number): Vec3 => [A[c], A[3 + c], A[6 + c]];
  const dot = (u: Vec3, v: Vec3) => u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
  const q: Vec3[] = [];
  const U = new Array<number>(9).fill(0);
  for (let c = 0; c < 3; c++) {
    const v: Vec3 = [...col(c)];
    for (let r = 0; r < c; r++) {
      const u = dot(q[r], col(c));
      U[r * 3 + c] = u;
      for (let a = 0; a < 3; a++) v[a] -= u * q[r][a];
    }
    const n = Math.hypot(v[0], v[1], v[2]);
    U[c * 3 + c] = n;
    q.push([v[0] / n, v[1] / n, v[2] / n]);
  }
  let R: Mat3 = [q[0][0], q[1][0], q[2][0], q[0][1], q[1][1], q[2][1], q[0][2], q[1][2], q[2][2]];
  if (det3(R) < 0) {
    R = [R[0], R[1], -R[2], R[3], R[4], -R[5], R[6], R[7], -R[8]];
    U[8] = -U[8];
  }
  return { R, scaleXYZ: [U[0], U[4], U[8]], shear: [U[1] / U[0], U[2] / U[0], U[5] / U[4]] };
}

/** The map as 3×4 rows acting on (x, y, z, 1) in µm: q = M p + m with M = A, m = c − A c + t. */
export function affineRows(T: RigidTransform): number[][] {
  const Ac = apply(T.R, T.c);
  return [0, 1, 2].map((r) => [T.R[3 * r], T.R[3 * r + 1], T.R[3 * r + 2], T.c[r] - Ac[r] + T.t[r]]);
}
