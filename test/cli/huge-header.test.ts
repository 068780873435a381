/**
 * Issue #22: a TIFF whose header claims 10¹⁰ voxels (one 100 000 × 100 000 page, Deflate, so the
 * file itself is tiny and not truncated) ended in `internal error: Invalid typed array length`. It is
 * now bad input: one line naming the file, saying the volume is larger than memory, suggesting
 * --memory; exit 2 and no output folder.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import path from 'node:path';
import { cli, tempDir } from '../helpers.js';

/** A classic little-endian TIFF: one uint8 page of width × height, one Deflate strip of 1000 zero bytes. */
function hugeTiff(file: string, width: number, height: number): void {
  const strip = deflateSync(Buffer.alloc(1000));
  const entries: [number, number, number][] = [
    [256, 4, width], // ImageWidth (LONG)
    [257, 4, height], // ImageLength
    [258, 3, 8], // BitsPerSample
    [259, 3, 8], // Compression: Deflate
    [262, 3, 1], // Photometric: black is zero
    [273, 4, 8], // StripOffsets: right after the header
    [277, 3, 1], // SamplesPerPixel
    [278, 4, height], // RowsPerStrip
    [279, 4, strip.length], // StripByteCounts
  ];
  const ifdOffset = 8 + strip.length + (strip.length % 2);
  const buf = Buffer.alloc(ifdOffset + 2 + entries.length * 12 + 4);
  buf.write('II', 0, 'latin1');
  buf.writeUInt16LE(42, 2);
  buf.writeUInt32LE(ifdOffset, 4);
  strip.copy(buf, 8);
  buf.writeUInt16LE(entries.length, ifdOffset);
  entries.forEach(([tag, type, value], k) => {
    const at = ifdOffset + 2 + k * 12;
    buf.writeUInt16LE(tag, at);
    buf.writeUInt16LE(type, at + 2);
    buf.writeUInt32LE(1, at + 4);
    if (type === 4) buf.writeUInt32LE(value, at + 8);
    else buf.writeUInt16LE(value, at + 8);
  });
  writeFileSync(file, buf);
}

describe('a header claiming 10¹⁰ voxels', () => {
  it('info, segment and thickness: exit 2, one line naming the file, larger than memory, --memory', () => {
    const dir = tempDir('buried-huge-');
    const file = path.join(dir, 'huge.tif');
    hugeTiff(file, 100_000, 100_000);
    const out = path.join(dir, 'out');
    for (const args of [['info', file], ['segment', file, '--voxel', '1', '-o', out], ['thickness', file, '--voxel', '1', '-o', out]]) {
      const r = cli(args);
      expect(r.status, `${args[0]}: ${r.stderr}`).toBe(2);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('buried: ') && !l.startsWith('buried: note:'));
      expect(lines, args[0]).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^buried: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the volume is larger than memory can hold .*--memory`));
      expect(r.stderr).not.toContain('internal error');
      expect(existsSync(out), args[0]).toBe(false);
    }
  });
});
