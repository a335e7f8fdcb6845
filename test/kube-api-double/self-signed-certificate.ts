import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

export interface Certificate {
  /** PEM; also the CA a client trusts, since it signs itself. */
  readonly cert: string;
  readonly key: string;
}

/**
 * A certificate for 127.0.0.1 and localhost, made by openssl (Node cannot make one). kubectl sends a
 * bearer token only over TLS, so a double that kubectl reaches with a token serves this.
 */
export async function selfSignedCertificate(): Promise<Certificate> {
  const dir = await mkdtemp(path.join(tmpdir(), "kube-api-double-tls-"));
  try {
    const certFile = path.join(dir, "cert.pem");
    const keyFile = path.join(dir, "key.pem");
    await promisify(execFile)("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
      "-subj", "/CN=kube-api-double", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout", keyFile, "-out", certFile,
    ]);
    return { cert: await readFile(certFile, "utf8"), key: await readFile(keyFile, "utf8") };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
