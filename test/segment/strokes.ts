/** Sparse annotation strokes for the trainable segmentation's tests, drawn from a phantom's truth. */

/** Strokes: a random 16 % of the voxels of three xz slices, labelled from the truth (annotation = code + 1). */
export function strokes(truth: Uint8Array, shape: [number, number, number], seed: number): Uint8Array {
  const [nz, ny, nx] = shape;
  const ann = new Uint8Array(truth.length);
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (const y of [Math.floor(ny / 4), Math.floor(ny / 2), Math.floor((3 * ny) / 4)]) {
    for (let z = 0; z < nz; z++) {
      for (let x = 0; x < nx; x++) {
        const i = (z * ny + y) * nx + x;
        if (truth[i] <= 5 && rnd() < 0.16) ann[i] = truth[i] + 1;
      }
    }
  }
  return ann;
}
