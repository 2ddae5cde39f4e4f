// Minimal DER reader: gives exact byte slices (signed bytes must be verified as received, never re-encoded).
import { PkiError, type PkiErrorCode } from './errors';

export interface DerNode {
  readonly tag: number;
  /** Whole TLV, header included. */
  readonly raw: Uint8Array;
  /** Content octets. */
  readonly content: Uint8Array;
}

export const DER_TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
  CONTEXT_0_CONSTRUCTED: 0xa0,
  CONTEXT_0_PRIMITIVE: 0x80,
} as const;

export function readDerNode(bytes: Uint8Array, offset: number, errorCode: PkiErrorCode): DerNode {
  const fail = (why: string): never => {
    throw new PkiError(errorCode, `DER: ${why}`);
  };
  if (offset + 2 > bytes.length) {
    fail('truncated header');
  }
  const tag = bytes[offset];
  if ((tag & 0x1f) === 0x1f) {
    fail('multi-byte tags are not supported');
  }
  let length = bytes[offset + 1];
  let headerLength = 2;
  if (length & 0x80) {
    const lengthBytes = length & 0x7f;
    if (lengthBytes === 0 || lengthBytes > 4) {
      fail('unsupported length encoding');
    }
    if (offset + 2 + lengthBytes > bytes.length) {
      fail('truncated length');
    }
    length = 0;
    for (let i = 0; i < lengthBytes; i += 1) {
      length = length * 256 + bytes[offset + 2 + i];
    }
    if (length < 0x80 || (lengthBytes > 1 && bytes[offset + 2] === 0)) {
      fail('non-minimal length');
    }
    headerLength += lengthBytes;
  }
  const end = offset + headerLength + length;
  if (end > bytes.length) {
    fail('truncated content');
  }
  return {
    tag,
    raw: bytes.subarray(offset, end),
    content: bytes.subarray(offset + headerLength, end),
  };
}

/** The single TLV that must span all of `bytes`. */
export function readDerRoot(bytes: Uint8Array, errorCode: PkiErrorCode): DerNode {
  const node = readDerNode(bytes, 0, errorCode);
  if (node.raw.length !== bytes.length) {
    throw new PkiError(errorCode, 'DER: trailing bytes');
  }
  return node;
}

/** Children of a constructed node, in order. */
export function derChildren(node: DerNode, errorCode: PkiErrorCode): DerNode[] {
  if ((node.tag & 0x20) === 0) {
    throw new PkiError(errorCode, 'DER: expected a constructed value');
  }
  const children: DerNode[] = [];
  let offset = 0;
  while (offset < node.content.length) {
    const child = readDerNode(node.content, offset, errorCode);
    children.push(child);
    offset += child.raw.length;
  }
  return children;
}

export function expectTag(
  node: DerNode | undefined,
  tag: number,
  what: string,
  errorCode: PkiErrorCode,
): DerNode {
  if (!node || node.tag !== tag) {
    throw new PkiError(errorCode, `DER: expected ${what}`);
  }
  return node;
}

export function decodeOid(content: Uint8Array): string {
  const parts: number[] = [];
  let value = 0;
  for (let i = 0; i < content.length; i += 1) {
    value = value * 128 + (content[i] & 0x7f);
    if ((content[i] & 0x80) === 0) {
      if (parts.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2;
        parts.push(first, value - first * 40);
      } else {
        parts.push(value);
      }
      value = 0;
    }
  }
  return parts.join('.');
}

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Serial numbers compare as lowercase hex of the positive integer, without leading zero octets. */
export function normalizeSerialHex(serialHex: string): string {
  let hex = serialHex.trim().toLowerCase().replace(/^0x/, '').replace(/:/g, '');
  if (!/^[0-9a-f]+$/.test(hex)) {
    throw new PkiError('INVALID_ARGUMENT', 'serial must be hexadecimal');
  }
  if (hex.length % 2 === 1) {
    hex = `0${hex}`;
  }
  while (hex.length > 2 && hex.startsWith('00')) {
    hex = hex.slice(2);
  }
  return hex;
}

/** DER INTEGER content (two's complement, minimal) for a non-negative integer given as hex. */
export function positiveIntegerContent(hex: string): Uint8Array {
  const normalized = normalizeSerialHex(hex);
  const bytes = Buffer.from(normalized, 'hex');
  return bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

export function decodeDerTime(node: DerNode, errorCode: PkiErrorCode): Date {
  const text = Buffer.from(node.content).toString('latin1');
  let match: RegExpExecArray | null;
  if (node.tag === DER_TAG.UTC_TIME) {
    match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
    if (match) {
      const yy = Number(match[1]);
      return utcDate(yy >= 50 ? 1900 + yy : 2000 + yy, match.slice(2));
    }
  } else if (node.tag === DER_TAG.GENERALIZED_TIME) {
    match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
    if (match) {
      return utcDate(Number(match[1]), match.slice(2));
    }
  }
  throw new PkiError(errorCode, 'DER: expected a UTCTime or GeneralizedTime in Zulu seconds');
}

function utcDate(year: number, rest: string[]): Date {
  const [month, day, hour, minute, second] = rest.map(Number);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}
