/**
 * Pixel-level helpers for the TIFF reader and writer: byte swapping, predictors, bit unpacking,
 * PackBits. All work in place on byte ranges of typed-array memory with tight loops.
 */
import os from 'node:os';

export const HOST_LITTLE_ENDIAN = os.endianness() === 'LE';

/** Reverse the byte order of `count` samples of `bytesPerSample` bytes starting at `u8[0]`. */
export function swapInPlace(u8: Uint8Array, bytesPerSample: number): void {
  if (bytesPerSample <= 1) return;
  const n = Math.floor(u8.byteLength / bytesPerSample);
  const aligned = u8.byteOffset % bytesPerSample === 0;
  if (bytesPerSample === 2) {
    if (u8.byteOffset % 4 === 0) {
      // Two samples per 32-bit word.
      const m = n >>> 1;
      const w = new Uint32Array(u8.buffer, u8.byteOffset, m);
      for (let i = 0; i < m; i++) {
        const v = w[i];
        w[i] = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
      }
      if (n & 1) {
        const i = 2 * (n - 1);
        const t = u8[i];
        u8[i] = u8[i + 1];
        u8[i + 1] = t;
      }
    } else if (aligned) {
      const a = new Uint16Array(u8.buffer, u8.byteOffset, n);
      for (let i = 0; i < n; i++) {
        const v = a[i];
        a[i] = (v >>> 8) | (v << 8);
      }
    } else {
      for (let i = 0; i < 2 * n; i += 2) {
        const t = u8[i];
        u8[i] = u8[i + 1];
        u8[i + 1] = t;
      }
    }
    return;
  }
  if (bytesPerSample === 4 || bytesPerSample === 8) {
    if (u8.byteOffset % 4 === 0) {
      const a = new Uint32Array(u8.buffer, u8.byteOffset, (n * bytesPerSample) / 4);
      const m = a.length;
      for (let i = 0; i < m; i++) {
        const v = a[i];
        a[i] = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
      }
      if (bytesPerSample === 8) {
        // Each 8-byte sample: both halves are now swapped; exchange them.
        for (let i = 0; i < m; i += 2) {
          const t = a[i];
          a[i] = a[i + 1];
          a[i + 1] = t;
        }
      }
      return;
    }
    const b = bytesPerSample;
    for (let s = 0; s < n * b; s += b) {
      for (let i = 0, j = b - 1; i < j; i++, j--) {
        const t = u8[s + i];
        u8[s + i] = u8[s + j];
        u8[s + j] = t;
      }
    }
    return;
  }
  throw new RangeError(`cannot swap ${bytesPerSample}-byte samples`);
}

/**
 * Undo the horizontal-difference predictor (TIFF Predictor 2) on one row segment of `width`
 * samples, in native byte order, in place. `u8` must be aligned to the sample size.
 */
export function undoHorizontalPredictor(u8: Uint8Array, width: number, bytesPerSample: number): void {
  if (width < 2) return;
  if (bytesPerSample === 1) {
    for (let i = 1; i < width; i++) u8[i] = (u8[i] + u8[i - 1]) & 0xff;
  } else if (bytesPerSample === 2) {
    const a = new Uint16Array(u8.buffer, u8.byteOffset, width);
    for (let i = 1; i < width; i++) a[i] = a[i] + a[i - 1];
  } else if (bytesPerSample === 4) {
    const a = new Uint32Array(u8.buffer, u8.byteOffset, width);
    for (let i = 1; i < width; i++) a[i] = a[i] + a[i - 1];
  } else {
    throw new RangeError(`predictor 2 with ${bytesPerSample * 8}-bit samples`);
  }
}

/**
 * Undo the floating-point predictor (TIFF Predictor 3) on one row of `width` samples, in place.
 * The encoded row holds byte planes, most significant first, byte-differenced; the result is in
 * host byte order whatever the file's byte order (as libtiff does).
 */
export function undoFloatPredictor(row: Uint8Array, width: number, bytesPerSample: number, tmp: Uint8Array): void {
  const n = width * bytesPerSample;
  for (let i = 1; i < n; i++) row[i] = (row[i] + row[i - 1]) & 0xff;
  tmp.set(row.subarray(0, n));
  const b = bytesPerSample;
  if (HOST_LITTLE_ENDIAN) {
    for (let byte = 0; byte < b; byte++) {
      const src = (b - byte - 1) * width;
      for (let i = 0; i < width; i++) row[b * i + byte] = tmp[src + i];
    }
  } else {
    for (let byte = 0; byte < b; byte++) {
      const src = byte * width;
      for (let i = 0; i < width; i++) row[b * i + byte] = tmp[src + i];
    }
  }
}

/**
 * Unpack one row of 1-bit samples (MSB first) into bytes 0/1; `invert` for WhiteIsZero.
 */
export function unpackBits(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number, width: number, invert: boolean): void {
  const full = width >>> 3;
  const x = invert ? 1 : 0;
  let d = dstOffset;
  let s = srcOffset;
  for (let i = 0; i < full; i++, s++, d += 8) {
    const v = src[s];
    dst[d] = ((v >>> 7) & 1) ^ x;
    dst[d + 1] = ((v >>> 6) & 1) ^ x;
    dst[d + 2] = ((v >>> 5) & 1) ^ x;
    dst[d + 3] = ((v >>> 4) & 1) ^ x;
    dst[d + 4] = ((v >>> 3) & 1) ^ x;
    dst[d + 5] = ((v >>> 2) & 1) ^ x;
    dst[d + 6] = ((v >>> 1) & 1) ^ x;
    dst[d + 7] = (v & 1) ^ x;
  }
  const rest = width & 7;
  if (rest) {
    const v = src[s];
    for (let b = 0; b < rest; b++) dst[d + b] = ((v >>> (7 - b)) & 1) ^ x;
  }
}

/** PackBits decoding (TIFF compression 32773). `expected` bounds the output size. */
export function unpackBitsRle(src: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let i = 0;
  let o = 0;
  const n = src.length;
  while (i < n && o < expected) {
    const h = src[i++];
    if (h < 128) {
      const len = Math.min(h + 1, expected - o, n - i);
      out.set(src.subarray(i, i + len), o);
      i += h + 1;
      o += len;
    } else if (h > 128) {
      if (i >= n) break;
      const len = Math.min(257 - h, expected - o);
      out.fill(src[i++], o, o + len);
      o += len;
    }
    // h === 128: no-op
  }
  return o === expected ? out : out.subarray(0, o);
}
