/**
 * Deterministic randomness for the sandbox: a seed and a label give a stream of numbers that is
 * identical on every run. Pure (node:crypto hashing only, no I/O).
 */
import { createHash } from "node:crypto";

/** 128 bits derived from the seed and a label, as four unsigned 32-bit words. */
function seedWords(seed: number | string, label: string): [number, number, number, number] {
  const h = createHash("sha256").update(`${typeof seed}:${String(seed)}\u0000${label}`).digest();
  return [h.readUInt32LE(0), h.readUInt32LE(4), h.readUInt32LE(8), h.readUInt32LE(12)];
}

/** A uniform number in [0, 1) that depends only on (seed, label). */
export function hashUnit(seed: number | string, label: string): number {
  const h = createHash("sha256").update(`${typeof seed}:${String(seed)}\u0000${label}`).digest();
  // 53 random bits -> [0, 1)
  return (h.readUInt32LE(0) * 2 ** 21 + (h.readUInt32LE(4) >>> 11)) / 2 ** 53;
}

/**
 * mulberry32: a tiny seeded generator of uniform numbers in [0, 1), for replayable test and bench
 * inputs (jitter, crash points, generated corpora) where a 32-bit seed is all the state needed.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Small seeded generator (sfc32) with the helpers the data generator needs. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number | string, label: string) {
    [this.a, this.b, this.c, this.d] = seedWords(seed, label);
    for (let i = 0; i < 12; i++) this.next32();
  }

  next32(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next32() / 2 ** 32;
  }

  /** Integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick from an empty list");
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** Picks a key by relative weight. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of entries) total += w;
    let x = this.float() * total;
    for (const [v, w] of entries) {
      x -= w;
      if (x < 0) return v;
    }
    return entries[entries.length - 1]![0];
  }

  /** Lower-case hex string of `n` characters. */
  hex(n: number): string {
    let out = "";
    while (out.length < n) out += this.next32().toString(16).padStart(8, "0");
    return out.slice(0, n);
  }

  /** RFC 4122-shaped (version 4) identifier. */
  uuid(): string {
    const h = this.hex(32);
    const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  digits(n: number): string {
    let out = "";
    for (let i = 0; i < n; i++) out += String(this.int(0, 9));
    return out;
  }
}
