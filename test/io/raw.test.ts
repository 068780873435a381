import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openRaw, parseShape, parseDType } from '../../src/io/raw.js';
import { InputError } from '../../src/io/errors.js';
import { tempDir } from '../helpers.js';

describe('raw input', () => {
  it('reads little- and big-endian uint16 to the same values, and slabs', async () => {
    const dir = tempDir();
    const values = Uint16Array.from({ length: 3 * 4 * 5 }, (_, i) => (i * 2654435761) % 65521);
    const le = Buffer.alloc(values.length * 2);
    const be = Buffer.alloc(values.length * 2);
    values.forEach((v, i) => {
      le.writeUInt16LE(v, 2 * i);
      be.writeUInt16BE(v, 2 * i);
    });
    writeFileSync(path.join(dir, 'le.raw'), le);
    writeFileSync(path.join(dir, 'be.bin'), Buffer.concat([Buffer.from('HEADER!!'), be]));
    const a = await openRaw(path.join(dir, 'le.raw'), { shape: [3, 4, 5], dtype: 'uint16' });
    const b = await openRaw(path.join(dir, 'be.bin'), { shape: [3, 4, 5], dtype: 'uint16', endian: 'big', headerBytes: 8 });
    expect(Array.from(await a.readSlices(0, 3))).toEqual(Array.from(values));
    expect(Array.from(await b.readSlices(0, 3))).toEqual(Array.from(values));
    expect(Array.from(await b.readSlices(1, 2))).toEqual(Array.from(values.subarray(20, 40)));
    // rows 1..3 of every slice (z-lines): [3, 2, 5], header and byte order applied
    const rows = Array.from({ length: 3 }, (_, z) => Array.from(values.subarray(z * 20 + 5, z * 20 + 15))).flat();
    expect(Array.from(await a.readRows!(1, 3))).toEqual(rows);
    expect(Array.from(await b.readRows!(1, 3, new Uint16Array(60)))).toEqual(rows);
    await a.close();
    await b.close();
  });

  it('reads big-endian float32', async () => {
    const dir = tempDir();
    const values = Float32Array.from([1.5, -2.25, 3e-8, 1e30, 0, -0]);
    const be = Buffer.alloc(values.length * 4);
    values.forEach((v, i) => be.writeFloatBE(v, 4 * i));
    writeFileSync(path.join(dir, 'f.raw'), be);
    const s = await openRaw(path.join(dir, 'f.raw'), { shape: [1, 2, 3], dtype: 'float32', endian: 'big' });
    expect(Array.from(await s.readSlices(0, 1))).toEqual(Array.from(values));
    await s.close();
  });

  it('rejects a size that does not match shape × dtype, naming the file and both sizes', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'short.raw');
    writeFileSync(file, Buffer.alloc(999));
    const err = await openRaw(file, { shape: [10, 10, 10], dtype: 'uint8' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(`${file}: size 999 bytes does not match --shape 10,10,10 × uint8 (1000 bytes)`);
  });

  it('validates --shape and --dtype', () => {
    expect(parseShape('4,5,6')).toEqual([4, 5, 6]);
    expect(() => parseShape('4,5')).toThrow(InputError);
    expect(() => parseShape('4,0,6')).toThrow(/positive integers/);
    expect(parseDType('float32')).toBe('float32');
    expect(() => parseDType('complex64')).toThrow(/--dtype must be one of/);
  });
});
