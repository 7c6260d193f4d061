import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM files of one key pair, in the file names Crossplane mounts. */
export interface KeyPair {
  keyFile: string;
  certFile: string;
  key: Buffer;
  cert: Buffer;
}

export interface TestCertificates {
  /** Directory laid out like Crossplane's /tls/server: tls.crt, tls.key, ca.crt. */
  serverDir: string;
  ca: Buffer;
  /** Client certificate signed by the server's CA. */
  client: KeyPair;
  /** Client certificate signed by an unrelated CA. */
  foreignClient: KeyPair;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Creates a self-signed CA with an EC P-256 key, valid for one day. */
function createCa(dir: string, name: string): void {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
    ],
    dir,
  );
}

/** Creates a leaf key and certificate signed by the CA `caName`, with the given extensions. */
function createLeaf(dir: string, name: string, caName: string, extensions: string[]): KeyPair {
  const extFile = `${name}.ext`;
  writeFileSync(join(dir, extFile), `${extensions.join('\n')}\n`);
  openssl(
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    ],
    dir,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${caName}.crt`,
      '-CAkey',
      `${caName}.key`,
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      extFile,
      '-out',
      `${name}.crt`,
    ],
    dir,
  );

  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  return { keyFile, certFile, key: readFileSync(keyFile), cert: readFileSync(certFile) };
}

/**
 * Generates, with the openssl CLI, a CA with a server certificate for
 * 127.0.0.1 and localhost and a client certificate, plus a second, foreign CA
 * with its own client certificate.
 */
export function generateTestCertificates(root: string): TestCertificates {
  const work = join(root, 'pki');
  const serverDir = join(root, 'server');
  mkdirSync(work, { recursive: true });
  mkdirSync(serverDir, { recursive: true });

  createCa(work, 'ca');
  createCa(work, 'foreign-ca');
  const server = createLeaf(work, 'server', 'ca', [
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    'extendedKeyUsage=serverAuth',
  ]);
  const client = createLeaf(work, 'crossplane', 'ca', ['extendedKeyUsage=clientAuth']);
  const foreignClient = createLeaf(work, 'intruder', 'foreign-ca', ['extendedKeyUsage=clientAuth']);

  const ca = readFileSync(join(work, 'ca.crt'));
  writeFileSync(join(serverDir, 'tls.crt'), server.cert);
  writeFileSync(join(serverDir, 'tls.key'), server.key);
  writeFileSync(join(serverDir, 'ca.crt'), ca);

  return { serverDir, ca, client, foreignClient };
}
