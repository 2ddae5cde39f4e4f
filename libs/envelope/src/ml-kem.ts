// ML-KEM-768 (FIPS 203) for suite 2, from two implementations of the same standard:
// - @noble/post-quantum (pure TypeScript, audited): always loaded; it derives keys from seeds and runs the
//   deterministic encapsulations of the known-answer tests;
// - liboqs (Open Quantum Safe, its ML-KEM is mlkem-native's portable C) compiled to WebAssembly by @oqs/liboqs-js:
//   about four times faster on this machine, loaded by loadMlKemAccelerator() at start-up, then used for every random
//   encapsulation and every decapsulation. Both give byte-identical results (the specs check both on NIST's answers).
// The accelerator is driven through its Emscripten module directly, not through the package's wrapper class, so that
// the secret key and the shared secret copied into WebAssembly memory are overwritten before that memory is freed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';

export const ML_KEM_768_PUBLIC_KEY_BYTES = 1184;
export const ML_KEM_768_SECRET_KEY_BYTES = 2400;
export const ML_KEM_768_CIPHERTEXT_BYTES = 1088;
const SHARED_SECRET_BYTES = 32;
const OQS_PACKAGE_FILE = join('@oqs', 'liboqs-js', 'dist', 'ml-kem-768.min.js');
const OQS_ALGORITHM = 'ML-KEM-768';

export type MlKemEngineName = 'noble' | 'liboqs-wasm';

/** The part of liboqs's Emscripten module this file uses (the C functions of liboqs's OQS_KEM API). */
interface OqsModule {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  _OQS_init(): void;
  _OQS_KEM_new(namePointer: number): number;
  _OQS_KEM_encaps(kem: number, ciphertext: number, sharedSecret: number, publicKey: number): number;
  _OQS_KEM_decaps(kem: number, sharedSecret: number, ciphertext: number, secretKey: number): number;
  lengthBytesUTF8(text: string): number;
  stringToUTF8(text: string, pointer: number, maxBytes: number): void;
}

/** ML-KEM-768 in liboqs's WebAssembly build; one instance per process. */
class OqsMlKem768 {
  constructor(
    private readonly wasm: OqsModule,
    private readonly kem: number,
  ) {}

  static async load(): Promise<OqsMlKem768> {
    const file = findInNodeModules(OQS_PACKAGE_FILE);
    if (file === undefined) {
      throw new Error(`${OQS_PACKAGE_FILE} is not installed (run npm install)`);
    }
    const loaded = (await importEsm(pathToFileURL(file).href)) as { default: () => Promise<OqsModule> };
    const wasm = await loaded.default();
    wasm._OQS_init();
    const nameBytes = wasm.lengthBytesUTF8(OQS_ALGORITHM) + 1;
    const name = wasm._malloc(nameBytes);
    wasm.stringToUTF8(OQS_ALGORITHM, name, nameBytes);
    const kem = wasm._OQS_KEM_new(name);
    wasm._free(name);
    if (kem === 0) {
      throw new Error(`liboqs has no ${OQS_ALGORITHM}`);
    }
    return new OqsMlKem768(wasm, kem);
  }

  encapsulate(publicKey: Uint8Array): { cipherText: Uint8Array; sharedSecret: Uint8Array } {
    const { wasm } = this;
    const pk = wasm._malloc(ML_KEM_768_PUBLIC_KEY_BYTES);
    const ct = wasm._malloc(ML_KEM_768_CIPHERTEXT_BYTES);
    const ss = wasm._malloc(SHARED_SECRET_BYTES);
    try {
      wasm.HEAPU8.set(publicKey, pk);
      const status = wasm._OQS_KEM_encaps(this.kem, ct, ss, pk);
      if (status !== 0) {
        throw new Error(`liboqs ML-KEM-768 encapsulation failed (${status})`);
      }
      const heap = wasm.HEAPU8;
      return {
        cipherText: heap.slice(ct, ct + ML_KEM_768_CIPHERTEXT_BYTES),
        sharedSecret: heap.slice(ss, ss + SHARED_SECRET_BYTES),
      };
    } finally {
      wasm.HEAPU8.fill(0, ss, ss + SHARED_SECRET_BYTES);
      wasm._free(pk);
      wasm._free(ct);
      wasm._free(ss);
    }
  }

  decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array {
    const { wasm } = this;
    const ct = wasm._malloc(ML_KEM_768_CIPHERTEXT_BYTES);
    const sk = wasm._malloc(ML_KEM_768_SECRET_KEY_BYTES);
    const ss = wasm._malloc(SHARED_SECRET_BYTES);
    try {
      wasm.HEAPU8.set(cipherText, ct);
      wasm.HEAPU8.set(secretKey, sk);
      const status = wasm._OQS_KEM_decaps(this.kem, ss, ct, sk);
      if (status !== 0) {
        throw new Error(`liboqs ML-KEM-768 decapsulation failed (${status})`);
      }
      return wasm.HEAPU8.slice(ss, ss + SHARED_SECRET_BYTES);
    } finally {
      wasm.HEAPU8.fill(0, sk, sk + ML_KEM_768_SECRET_KEY_BYTES);
      wasm.HEAPU8.fill(0, ss, ss + SHARED_SECRET_BYTES);
      wasm._free(ct);
      wasm._free(sk);
      wasm._free(ss);
    }
  }
}

// A real import() even in the CommonJS this project compiles to (TypeScript would turn import() into require(),
// and the package ships ES modules only).
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- a constant string: the only way to keep import()
const importEsm = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<unknown>;

function findInNodeModules(file: string): string | undefined {
  for (const dir of require.resolve.paths(file) ?? []) {
    const candidate = join(dir, file);
    if (existsSync(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

let accelerator: OqsMlKem768 | undefined;
let loading: Promise<MlKemEngineName> | undefined;

/**
 * Loads the WebAssembly ML-KEM once per process; later calls return the same answer. On failure suite 2 keeps
 * working on the pure-TypeScript implementation and the returned name says so (the caller logs it).
 */
export function loadMlKemAccelerator(): Promise<MlKemEngineName> {
  loading ??= OqsMlKem768.load().then(
    (loaded) => {
      accelerator = loaded;
      return 'liboqs-wasm' as const;
    },
    () => 'noble' as const,
  );
  return loading;
}

/** Which implementation random encapsulations and all decapsulations use now. */
export function mlKemEngine(): MlKemEngineName {
  return accelerator === undefined ? 'noble' : 'liboqs-wasm';
}

/** A parsed ML-KEM-768 encapsulation key. The constructor runs FIPS 203's modulus check (section 7.2). */
export class MlKemPublicKey {
  private readonly prepared: ReturnType<typeof ml_kem768.prepare>;

  constructor(readonly bytes: Uint8Array) {
    this.prepared = ml_kem768.prepare(bytes);
  }

  /** `m` (32 bytes) only for known-answer tests: a deterministic encapsulation always runs in TypeScript. */
  encapsulate(m?: Uint8Array): { cipherText: Uint8Array; sharedSecret: Uint8Array } {
    if (m === undefined && accelerator !== undefined) {
      return accelerator.encapsulate(this.bytes);
    }
    return this.prepared.encapsulate(m);
  }

  /** Decapsulates with the secret key that belongs to this public key (FIPS 203 ML-KEM.Decaps, implicit rejection). */
  decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array {
    return accelerator === undefined
      ? this.prepared.decapsulate(cipherText, secretKey)
      : accelerator.decapsulate(cipherText, secretKey);
  }
}

export function mlKemKeygenFromSeed(seed64: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array } {
  return ml_kem768.keygen(seed64);
}
