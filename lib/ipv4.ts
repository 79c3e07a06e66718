/** IPv4 CIDR arithmetic for the subnet plan and its validation. */

export interface Cidr {
  /** The network address as an unsigned 32-bit integer. */
  readonly base: number;
  readonly prefix: number;
  /** False when bits after the prefix are set ("10.0.1.0/16"). */
  readonly aligned: boolean;
}

// Canonical form only: "010.0.0.0/16" means 10.0.0.0 to some tools and 8.0.0.0 to others, and AWS rejects it.
const CIDR = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\/(0|[1-9]\d?)$/;

export function parseCidr(text: string): Cidr | undefined {
  const match = CIDR.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix > 32) return undefined;
  const address = octets.reduce((value, octet) => value * 256 + octet, 0);
  return { base: address, prefix, aligned: address % blockSize(prefix) === 0 };
}

export function formatCidr(base: number, prefix: number): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256);
  return `${octets.join('.')}/${prefix}`;
}

/** Number of addresses in a block with this prefix length. */
export function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((range) => parseCidr(range)!);

/** True when the block lies wholly inside one of the RFC 1918 private ranges. */
export function isPrivateCidr(text: string): boolean {
  const cidr = parseCidr(text);
  if (!cidr) return false;
  return PRIVATE_RANGES.some(
    (range) => cidr.prefix >= range.prefix && cidr.base >= range.base && cidr.base < range.base + blockSize(range.prefix),
  );
}

/** Whether two aligned CIDR blocks share any address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const [x, y] = [parseCidr(a), parseCidr(b)];
  if (!x || !y) return false;
  return x.base < y.base + blockSize(y.prefix) && y.base < x.base + blockSize(x.prefix);
}
