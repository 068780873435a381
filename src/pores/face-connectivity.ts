/**
 * Whether a phase connects the first layer of a volume to its last (face-sharing neighbours, no
 * wrap): the percolation test before a tortuosity solve, whose answer is otherwise a current of 0
 * divided into rounding noise.
 */
export function connectsFirstToLast(phase: Uint8Array, shape: [number, number, number]): boolean {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const n = plane * nz;
  const seen = new Uint8Array(n);
  const stack = new Int32Array(n);
  let sp = 0;
  for (let q = 0; q < plane; q++)
    if (phase[q]) {
      seen[q] = 1;
      stack[sp++] = q;
    }
  const last = (nz - 1) * plane;
  while (sp > 0) {
    const i = stack[--sp];
    if (i >= last) return true;
    const r = i % plane;
    const x = r % nx;
    const y = (r - x) / nx;
    const push = (j: number) => {
      if (phase[j] && !seen[j]) {
        seen[j] = 1;
        stack[sp++] = j;
      }
    };
    if (x > 0) push(i - 1);
    if (x < nx - 1) push(i + 1);
    if (y > 0) push(i - nx);
    if (y < ny - 1) push(i + nx);
    if (i >= plane) push(i - plane);
    push(i + plane); // i < last here, so the next layer exists
  }
  return false;
}
