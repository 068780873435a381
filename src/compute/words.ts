/**
 * Four label bytes at a time: a Uint32 word of a byte array read as one number. The passes over
 * label volumes skip whole words where every byte is one code (fourOf) or where no byte is a given
 * code (hasByte). Exact: the tests on the words only decide which voxels are looked at one by one.
 */

/** The byte b in all four bytes of a word. */
export const fourOf = (b: number): number => Math.imul(b, 0x01010101) >>> 0;

/** Whether some byte of `word` is 0: (v − 0x01010101) & ~v & 0x80808080 is non-zero exactly then. */
export const hasZeroByte = (word: number): boolean => ((word - 0x01010101) & ~word & 0x80808080) !== 0;

/** Whether some byte of `word` is the byte that `four` (fourOf) repeats. */
export const hasByte = (word: number, four: number): boolean => hasZeroByte(word ^ four);

/** Whether the four bytes of `word` are one value. */
export const oneByteWord = (word: number): boolean => word === fourOf(word & 255);
