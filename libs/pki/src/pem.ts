// PEM <-> DER without parsing the content.
import { PkiError, type PkiErrorCode } from './errors';

export function pemToDer(pem: string, label: string, errorCode: PkiErrorCode): Buffer {
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  const start = pem.indexOf(begin);
  const stop = pem.indexOf(end, start + begin.length);
  if (start < 0 || stop < 0) {
    throw new PkiError(errorCode, `expected a PEM block labelled ${label}`);
  }
  const body = pem.slice(start + begin.length, stop).replace(/\s+/g, '');
  if (body.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
    throw new PkiError(errorCode, `PEM block ${label} is not valid base64`);
  }
  return Buffer.from(body, 'base64');
}

export function derToPem(der: Uint8Array, label: string): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export function pemLabel(pem: string): string | undefined {
  return /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
}
