// The Kafka client's transport identity: a TLS client certificate from the regional CA, its encrypted key, the
// root. Checked once at start, so that a missing, expired or mismatched file stops the service with one line
// naming the file and the command that issues it, instead of a retry loop against the broker.
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import tls from 'node:tls';
import { decryptPrivateKey, decryptPrivateKeyObject } from '@corridor/pki';
import { ConfigError } from './config';

export interface KafkaTls {
  ca: string;
  cert: string;
  /** plaintext PKCS#8, in memory only */
  key: string;
}

export interface KafkaTlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
  passphrase: string;
}

/** Why a transport identity cannot be used (missing, not yet or no longer valid, another CA, another key), or undefined. */
export function transportIdentityProblem(files: KafkaTlsFiles, at = new Date()): string | undefined {
  for (const f of [files.certFile, files.keyFile, files.caFile]) {
    if (!fs.existsSync(f)) {
      return `${f} is missing`;
    }
  }
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(fs.readFileSync(files.certFile));
  } catch {
    return `${files.certFile} is not a PEM certificate`;
  }
  try {
    ca = new X509Certificate(fs.readFileSync(files.caFile));
  } catch {
    return `${files.caFile} is not a PEM certificate`;
  }
  if (Date.parse(cert.validTo) < at.getTime()) {
    return `${files.certFile} expired on ${new Date(cert.validTo).toISOString()}`;
  }
  if (Date.parse(cert.validFrom) > at.getTime()) {
    return `${files.certFile} is not valid before ${new Date(cert.validFrom).toISOString()}`;
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) {
    return `${files.certFile} was not issued by the CA in ${files.caFile}`;
  }
  let key;
  try {
    key = decryptPrivateKeyObject({
      encryptedPem: fs.readFileSync(files.keyFile, 'utf8'),
      passphrase: files.passphrase,
    });
  } catch {
    return `${files.keyFile} cannot be opened with its passphrase`;
  }
  if (!cert.checkPrivateKey(key)) {
    return `${files.keyFile} does not belong to ${files.certFile}`;
  }
  return undefined;
}

/** Reads and checks the transport identity; ConfigError (one line: the file, what is wrong, `issueCommand`) if unusable. */
export function loadKafkaTls(files: KafkaTlsFiles & { issueCommand: string }): KafkaTls {
  const problem = transportIdentityProblem(files);
  if (problem) {
    throw new ConfigError(`Kafka TLS client certificate: ${problem}; issue it with: ${files.issueCommand}`);
  }
  return {
    ca: fs.readFileSync(files.caFile, 'utf8'),
    cert: fs.readFileSync(files.certFile, 'utf8'),
    key: decryptPrivateKey({
      encryptedPem: fs.readFileSync(files.keyFile, 'utf8'),
      passphrase: files.passphrase,
    }),
  };
}

/** Node TLS options of a Kafka connection: TLS 1.3, the regional root only, the client certificate. */
export function kafkaTlsOptions(t: KafkaTls): tls.ConnectionOptions {
  return {
    ca: t.ca,
    cert: t.cert,
    key: t.key,
    minVersion: 'TLSv1.3',
    // No SNI: a server name may not be an IP address (RFC 6066); the address is still checked against the SAN.
    servername: '',
  };
}

// ApiVersions v0, correlation id 1, client id "corridor-probe": once the broker answers it, it took our certificate.
const API_VERSIONS_REQUEST = (() => {
  const clientId = Buffer.from('corridor-probe');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  body.writeInt16BE(18, 0);
  body.writeInt16BE(0, 2);
  body.writeInt32BE(1, 4);
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
})();

/** TLS failures that another attempt cannot cure: a certificate problem on either side. */
function certificateFailure(err: NodeJS.ErrnoException): boolean {
  const text = `${err.code ?? ''} ${err.message}`;
  return /CERT|certificate|SSL alert|ALERT|UNABLE_TO_VERIFY|SELF_SIGNED|ALTNAME|handshake/i.test(text);
}

/**
 * One TLS handshake and one ApiVersions round trip with each broker, at start. A certificate problem on either side
 * (the broker's not from our CA, not for its address, expired; ours refused) is a ConfigError naming the files; a
 * broker that is down is not (the client retries it as usual).
 */
export async function probeKafkaTls(opts: {
  brokers: string[];
  tls: KafkaTls;
  files: { certFile: string; caFile: string };
  issueCommand: string;
  timeoutMs?: number;
}): Promise<void> {
  for (const broker of opts.brokers) {
    const i = broker.lastIndexOf(':');
    const host = broker.slice(0, i);
    const port = Number(broker.slice(i + 1));
    const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const socket = tls.connect({ host, port, ...kafkaTlsOptions(opts.tls) });
      const done = (e?: NodeJS.ErrnoException): void => {
        clearTimeout(timer);
        socket.destroy();
        resolve(e);
      };
      const timer = setTimeout(() => done(), opts.timeoutMs ?? 5000);
      socket.once('secureConnect', () => socket.write(API_VERSIONS_REQUEST));
      socket.once('data', () => done());
      socket.once('error', (e: NodeJS.ErrnoException) => done(e));
      socket.once('end', () =>
        done(
          Object.assign(new Error('the broker closed the connection after the TLS handshake'), {
            code: 'SSL_ALERT',
          }),
        ),
      );
    });
    if (err && certificateFailure(err)) {
      const side = /ALTNAME|UNABLE_TO_VERIFY|SELF_SIGNED|CERT_HAS_EXPIRED|CERT_NOT_YET/i.test(
        `${err.code} ${err.message}`,
      )
        ? `the broker's certificate does not verify against ${opts.files.caFile}`
        : `the broker refused the client certificate ${opts.files.certFile}`;
      throw new ConfigError(
        `Kafka TLS to ${broker}: ${side} (${err.code ?? err.message}); issue it with: ${opts.issueCommand}`,
      );
    }
  }
}
