/**
 * Test-side oracles and sample data, written independently of shared/realname: the published
 * weight tables of GB 32100-2015 and GB 11643-1999, and tiny but well-formed sample files.
 */
import { deflateSync } from "node:zlib";
import fc from "fast-check";

// GB 32100-2015: alphabet (values 0..30) and the weights of positions 1..17 as printed in the standard.
export const USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
export const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function oracleUsccCheck(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARS.indexOf(first17.charAt(i)) * USCC_WEIGHTS[i]!;
  const c = 31 - (sum % 31);
  return USCC_CHARS.charAt(c === 31 ? 0 : c);
}
export function oracleUsccValid(code: string): boolean {
  return code.length === 18 && [...code].every((c) => USCC_CHARS.includes(c)) && oracleUsccCheck(code.slice(0, 17)) === code[17];
}

// GB 11643-1999: weights of positions 1..17 and the check character for (sum mod 11) = 0..10.
export const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
export const ID_CHECK = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"];

export function oracleIdCheck(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17.charAt(i)) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}

/** A fixed "today" so date plausibility never depends on when the tests run. */
export const NOW = new Date("2025-06-01T00:00:00Z");

export const usccArb: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...USCC_CHARS), { minLength: 17, maxLength: 17 })
  .map((cs) => cs.join(""))
  .map((s) => s + oracleUsccCheck(s));

const MAINLAND = ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"];

const pad = (n: number, w: number) => String(n).padStart(w, "0");

export function residentIdArb(provinces: readonly string[] = MAINLAND): fc.Arbitrary<string> {
  return fc
    .record({
      province: fc.constantFrom(...provinces),
      county: fc.integer({ min: 101, max: 9999 }),
      birth: fc.date({ min: new Date("1900-01-01T00:00:00Z"), max: new Date("2024-12-31T00:00:00Z"), noInvalidDate: true }),
      seq: fc.integer({ min: 0, max: 999 }),
    })
    .map(({ province, county, birth, seq }) => {
      const region = ["81", "82", "83"].includes(province) ? `${province}0000` : `${province}${pad(county, 4)}`;
      const d = `${birth.getUTCFullYear()}${pad(birth.getUTCMonth() + 1, 2)}${pad(birth.getUTCDate(), 2)}`;
      const first17 = `${region}${d}${pad(seq, 3)}`;
      return first17 + oracleIdCheck(first17);
    });
}

/** The example number printed in GB 11643-1999. */
export const STANDARD_ID_EXAMPLE = "11010519491231002X";
export const SAMPLE_ID = "11010119900307439" + oracleIdCheck("11010119900307439");
export const SAMPLE_USCC = "91350100M000100Y4" + oracleUsccCheck("91350100M000100Y4");

// ---------------------------------------------------------------------------------------------
// Sample files

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/**
 * Well-formed minimal files (each verified to decode with image-size, and the PDF to carry a
 * correct cross-reference table), written independently of shared/realname/sample-files.ts.
 * `pad` grows a file by that many bytes of comment data inside its structure.
 */
export function samplePng(pad = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", deflateSync(Buffer.from([0, 255, 0, 0]))),
    ...(pad > 0 ? [pngChunk("tEXt", Buffer.concat([Buffer.from("Comment\0"), Buffer.alloc(Math.max(0, pad - 20), 0x61)]))] : []),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** 8×8 grey baseline JPEG: SOI, APP0, [COM], DQT, SOF0, DHT ×2, SOS, 1 byte of scan, EOI. */
export function sampleJpeg(pad = 0): Buffer {
  const com: Buffer[] = [];
  for (let left = pad; left > 0; ) {
    const n = Math.min(left, 60000);
    com.push(Buffer.concat([Buffer.from([0xff, 0xfe, (n + 2) >> 8, (n + 2) & 0xff]), Buffer.alloc(n, 0x61)]));
    left -= n + 4;
  }
  return Buffer.concat([
    Buffer.from("ffd8ffe000104a46494600010100000100010000", "hex"),
    ...com,
    Buffer.from("ffdb004300" + "01".repeat(64), "hex"),
    Buffer.from("ffc0000b080008000801011100", "hex"),
    Buffer.from("ffc4001400" + "01" + "00".repeat(15) + "00", "hex"),
    Buffer.from("ffc4001410" + "01" + "00".repeat(15) + "00", "hex"),
    Buffer.from("ffda000801010000" + "3f00" + "3f" + "ffd9", "hex"),
  ]);
}

export function sampleGif(pad = 0): Buffer {
  const base = Buffer.from("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b", "hex");
  if (pad <= 0) return base;
  const blocks: Buffer[] = [];
  for (let left = pad; left > 0; left -= 255) blocks.push(Buffer.concat([Buffer.from([Math.min(255, left)]), Buffer.alloc(Math.min(255, left), 0x61)]));
  return Buffer.concat([base.subarray(0, 19), Buffer.from([0x21, 0xfe]), ...blocks, Buffer.from([0]), base.subarray(19)]);
}

export function sampleBmp(pad = 0): Buffer {
  const b = Buffer.alloc(58 + pad, 0);
  b.fill(0x61, 58); // padding after the pixel row
  b.write("BM", 0, "latin1");
  b.writeUInt32LE(58 + pad, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14); // BITMAPINFOHEADER
  b.writeInt32LE(1, 18);
  b.writeInt32LE(1, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  b.writeUInt32LE(0, 30);
  b.writeUInt32LE(4, 34);
  b.writeUInt32LE(0, 38);
  b.writeUInt32LE(0, 42);
  b.writeUInt32LE(0, 46);
  b.writeUInt32LE(0, 50);
  b.writeUInt32LE(0x00ffffff, 54);
  return b;
}

export function samplePdf(pad = 0): Buffer {
  const head = `%PDF-1.4\n%${"a".repeat(pad)}\n`;
  const o1 = "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n";
  const o2 = "2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n";
  const x = head.length + o1.length + o2.length;
  const xref = `xref\n0 3\n0000000000 65535 f \n${String(head.length).padStart(10, "0")} 00000 n \n${String(head.length + o1.length).padStart(10, "0")} 00000 n \n`;
  return Buffer.from(`${head}${o1}${o2}${xref}trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n${x}\n%%EOF\n`, "latin1");
}

export const SAMPLES = { jpeg: sampleJpeg, png: samplePng, gif: sampleGif, bmp: sampleBmp, pdf: samplePdf } as const;
