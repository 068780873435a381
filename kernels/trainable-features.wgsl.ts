/**
 * The six features of one scale of the trainable segmentation at every voxel of planes
 * [c0, c0 + n / (nx·ny)) of a smoothed grid (depth × ny × nx): smoothed value, gradient magnitude,
 * Laplacian, Hessian eigenvalues descending; feature-major out[k·n + j]. The WebGPU twin of
 * voxelScaleFeatures (src/compute/scale-features.ts): the same central and second differences with
 * neighbours clamped at the grid's faces (mode 'nearest'), 1/h per derivative order, and the same
 * trigonometric eigenvalues (Smith 1961), in f32, the close pair of a near-double eigenvalue
 * recomputed (see eigen).
 *
 * `sm` holds the grid's planes [e0, …) (the smoothed planes c0 − 1 … c1 within the grid), so z is
 * clamped to [0, depth − 1] before it is made local. acos and cos are Cephes' single-precision
 * polynomials (asinf, sinf/cosf: ~1e-7 absolute) instead of WGSL's builtins, whose required accuracy
 * is only 2⁻¹¹ absolute for cos (WGSL §16.5): the same result on any adapter.
 */
import { ENTRY, INDEX } from './common.wgsl.js';

const PARAMS = `struct P { nx: u32, ny: u32, depth: u32, c0: u32, e0: u32, n: u32, h1: f32, h2: f32 }`;

const TRIG = /* wgsl */ `
const PI = 3.14159265358979f;
const PIO2 = 1.57079632679490f;
const PIO4 = 0.78539816339745f;
// asin(x) for |x| <= 0.5 (Cephes asinf)
fn asin_small(x: f32) -> f32 {
  let z = x * x;
  return ((((4.2163199048e-2f * z + 2.4181311049e-2f) * z + 4.5470025998e-2f) * z + 7.4953002686e-2f) * z + 1.6666752422e-1f) * z * x + x;
}
fn acos_c(x: f32) -> f32 {
  if (x < -0.5f) { return PI - 2.0f * asin_small(sqrt(0.5f * (1.0f + x))); }
  if (x > 0.5f) { return 2.0f * asin_small(sqrt(0.5f * (1.0f - x))); }
  return PIO2 - asin_small(x);
}
// cos and sin for |x| <= pi/4 (Cephes cosf, sinf)
fn cos_small(x: f32) -> f32 {
  let z = x * x;
  return ((2.443315711809948e-5f * z - 1.388731625493765e-3f) * z + 4.166664568298827e-2f) * z * z - 0.5f * z + 1.0f;
}
fn sin_small(x: f32) -> f32 {
  let z = x * x;
  return ((-1.9515295891e-4f * z + 8.3321608736e-3f) * z - 1.6666654611e-1f) * z * x + x;
}
// cos(t) for t in [0, pi]
fn cos_c(t: f32) -> f32 {
  if (t <= PIO4) { return cos_small(t); }
  if (t <= 3.0f * PIO4) { return sin_small(PIO2 - t); }
  return -cos_small(PI - t);
}`;

const EIGEN = /* wgsl */ `
// eigenvalues of [[a, d, e], [d, b, f], [e, f, c]], descending
fn eigen(a: f32, b: f32, c: f32, d: f32, e: f32, f: f32) -> vec3<f32> {
  let p1 = d * d + e * e + f * f;
  let q = (a + b + c) / 3.0f;
  if (p1 < 1e-30f) {
    var s0 = a; var s1 = b; var s2 = c; var t = 0.0f;
    if (s0 < s1) { t = s0; s0 = s1; s1 = t; }
    if (s1 < s2) { t = s1; s1 = s2; s2 = t; }
    if (s0 < s1) { t = s0; s0 = s1; s1 = t; }
    return vec3<f32>(s0, s1, s2);
  }
  let p2 = (a - q) * (a - q) + (b - q) * (b - q) + (c - q) * (c - q) + 2.0f * p1;
  let p = sqrt(p2 / 6.0f);
  let ba = (a - q) / p; let bb = (b - q) / p; let bc = (c - q) / p;
  let bd = d / p; let be = e / p; let bf = f / p;
  let det = ba * (bb * bc - bf * bf) - bd * (bd * bc - bf * be) + be * (bd * bf - bb * be);
  let r = clamp(det / 2.0f, -1.0f, 1.0f);
  let phi = acos_c(r) / 3.0f;
  let e1 = 2.0f * p * cos_c(phi);
  let e3 = 2.0f * p * cos_c(phi + 2.0943951023932f);
  // Near a double eigenvalue r is near ±1, where an f32 r puts f32 rounding times 1/sqrt(1 - r²) into
  // phi: the close pair would be off by up to ~p·1e-4 (5e-6 seen on a 128³ phantom). The isolated
  // one (e1 for r >= 0, else e3) is accurate: take its eigenvector, and the pair as the eigenvalues
  // of A restricted to the plane normal to it (2×2, stable closed form); all relative to q.
  let iso = select(e3, e1, r >= 0.0f);
  let s0 = vec3<f32>(a - q, d, e); let s1 = vec3<f32>(d, b - q, f); let s2 = vec3<f32>(e, f, c - q);
  let m0 = s0 - vec3<f32>(iso, 0.0f, 0.0f); let m1 = s1 - vec3<f32>(0.0f, iso, 0.0f); let m2 = s2 - vec3<f32>(0.0f, 0.0f, iso);
  let c01 = cross(m0, m1); let c02 = cross(m0, m2); let c12 = cross(m1, m2);
  let n01 = dot(c01, c01); let n02 = dot(c02, c02); let n12 = dot(c12, c12);
  var v = c01; var nv = n01;
  if (n02 > nv) { v = c02; nv = n02; }
  if (n12 > nv) { v = c12; nv = n12; }
  if (!(nv > 0.0f)) { return vec3<f32>(q + e1, q - e1 - e3, q + e3); }
  v = v / sqrt(nv);
  var u: vec3<f32>;
  if (abs(v.x) > abs(v.y)) { u = vec3<f32>(-v.z, 0.0f, v.x) / sqrt(v.x * v.x + v.z * v.z); }
  else { u = vec3<f32>(0.0f, v.z, -v.y) / sqrt(v.y * v.y + v.z * v.z); }
  let w = cross(v, u);
  let su = vec3<f32>(dot(s0, u), dot(s1, u), dot(s2, u));
  let sw = vec3<f32>(dot(s0, w), dot(s1, w), dot(s2, w));
  let al = dot(u, su); let bt = dot(u, sw); let ga = dot(w, sw);
  let mid = 0.5f * (al + ga);
  let half = sqrt(0.25f * (al - ga) * (al - ga) + bt * bt);
  // sorted descending
  var x0 = iso; var x1 = mid + half; var x2 = mid - half; var t = 0.0f;
  if (x0 < x1) { t = x0; x0 = x1; x1 = t; }
  if (x1 < x2) { t = x1; x1 = x2; x2 = t; }
  if (x0 < x1) { t = x0; x0 = x1; x1 = t; }
  return vec3<f32>(q + x0, q + x1, q + x2);
}`;

export function trainableFeaturesWGSL(): string {
  return `
${PARAMS}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> sm: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${INDEX}
${TRIG}
${EIGEN}
${ENTRY} {
  let j = linear_index(wid, nwg, lid);
  if (j >= p.n) { return; }
  let nx = i32(p.nx);
  let plane = i32(p.nx * p.ny);
  let x = j % p.nx;
  let y = (j / p.nx) % p.ny;
  let z = j / (p.nx * p.ny) + p.c0;
  let i = i32(z - p.e0) * plane + i32(y) * nx + i32(x);
  let dxm = select(0, -1, x > 0u);
  let dxp = select(0, 1, x + 1u < p.nx);
  let dym = select(0, -nx, y > 0u);
  let dyp = select(0, nx, y + 1u < p.ny);
  let dzm = select(0, -plane, z > 0u);
  let dzp = select(0, plane, z + 1u < p.depth);
  let c = sm[i];
  let xp = sm[i + dxp]; let xm = sm[i + dxm];
  let yp = sm[i + dyp]; let ym = sm[i + dym];
  let zp = sm[i + dzp]; let zm = sm[i + dzm];
  let gx = 0.5f * (xp - xm); let gy = 0.5f * (yp - ym); let gz = 0.5f * (zp - zm);
  let hxx = (xp - 2.0f * c + xm) * p.h2;
  let hyy = (yp - 2.0f * c + ym) * p.h2;
  let hzz = (zp - 2.0f * c + zm) * p.h2;
  let hxy = 0.25f * (sm[i + dyp + dxp] - sm[i + dyp + dxm] - sm[i + dym + dxp] + sm[i + dym + dxm]) * p.h2;
  let hxz = 0.25f * (sm[i + dzp + dxp] - sm[i + dzp + dxm] - sm[i + dzm + dxp] + sm[i + dzm + dxm]) * p.h2;
  let hyz = 0.25f * (sm[i + dzp + dyp] - sm[i + dzp + dym] - sm[i + dzm + dyp] + sm[i + dzm + dym]) * p.h2;
  let ev = eigen(hxx, hyy, hzz, hxy, hxz, hyz);
  out[j] = c;
  out[p.n + j] = sqrt(gx * gx + gy * gy + gz * gz) * p.h1;
  out[2u * p.n + j] = hxx + hyy + hzz;
  out[3u * p.n + j] = ev.x;
  out[4u * p.n + j] = ev.y;
  out[5u * p.n + j] = ev.z;
}`;
}
