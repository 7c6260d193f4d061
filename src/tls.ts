import * as grpc from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';

/** Unusable certificates directory. The message names the path and the fix. */
export class CertificateError extends Error {
  override name = 'CertificateError';
}

const FIX =
  'Set --tls-server-certs-dir or TLS_SERVER_CERTS_DIR to a directory containing tls.crt, tls.key and ca.crt, or pass --insecure for local development.';

/**
 * Loads mutual TLS server credentials from a directory laid out like the
 * Secret Crossplane mounts at /tls/server: tls.crt and tls.key for the server,
 * ca.crt for the CA that signs Crossplane's client certificate.
 *
 * Clients must present a certificate signed by ca.crt. This matches
 * function-sdk-go, and unlike the TypeScript SDK 0.7.0, which accepts clients
 * without a certificate.
 *
 * @throws CertificateError if the directory or a file is missing, unreadable
 *   or not valid PEM, or if tls.key does not match tls.crt.
 */
export function loadServerCredentials(dir: string): grpc.ServerCredentials {
  checkDirectory(dir);

  const key = readPem(dir, 'tls.key');
  const cert = readPem(dir, 'tls.crt');
  const ca = readPem(dir, 'ca.crt');

  // grpc-js only reports bad PEM when it binds, with a message that does not
  // name the file, so parse everything here first.
  parseCertificate(dir, 'tls.crt', cert);
  parseCertificate(dir, 'ca.crt', ca);
  try {
    createSecureContext({ key, cert, ca });
  } catch (err) {
    throw new CertificateError(
      `invalid TLS key pair in ${dir}: tls.key and tls.crt must be a matching PEM key and certificate (${errorMessage(err)})`,
    );
  }

  return grpc.ServerCredentials.createSsl(ca, [{ private_key: key, cert_chain: cert }], true);
}

function checkDirectory(dir: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (err) {
    if (errorCode(err) === 'ENOENT') {
      throw new CertificateError(`TLS certificates directory ${dir} not found. ${FIX}`);
    }
    throw new CertificateError(
      `cannot read TLS certificates directory ${dir}: ${errorMessage(err)}. ${FIX}`,
    );
  }
  if (!isDirectory) {
    throw new CertificateError(`TLS certificates path ${dir} is not a directory. ${FIX}`);
  }
}

function readPem(dir: string, file: string): Buffer {
  const path = join(dir, file);
  try {
    return readFileSync(path);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') {
      throw new CertificateError(`TLS file ${path} not found. ${FIX}`);
    }
    throw new CertificateError(`cannot read TLS file ${path}: ${errorMessage(err)}. ${FIX}`);
  }
}

function parseCertificate(dir: string, file: string, pem: Buffer): void {
  try {
    new X509Certificate(pem);
  } catch (err) {
    throw new CertificateError(
      `invalid TLS file ${join(dir, file)}: expected a PEM certificate (${errorMessage(err)})`,
    );
  }
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
