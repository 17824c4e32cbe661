/**
 * X.509 certificates made at test time, with the validity dates and names a test needs: node:crypto reads
 * certificates but cannot make them, so node-forge (a dependency of the SDK) signs them. Test keys only.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

export interface CertificateSpec {
  /** The key the certificate carries and is signed with (self-signed); a new one when left out. */
  key?: KeyObject;
  notBefore: Date;
  notAfter: Date;
  commonName: string;
  /** Subject alternative names: DNS names, and IP addresses. */
  dns?: string[];
  ips?: string[];
}

export function makeCertificate(spec: CertificateSpec): { certPem: string; keyPem: string } {
  const key = spec.key ?? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const keyPem = key.export({ type: 'pkcs1', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(
    createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString(),
  );
  cert.serialNumber = '01';
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  const subject = [{ name: 'commonName', value: spec.commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  const altNames = [
    ...(spec.dns ?? []).map((value) => ({ type: 2, value })),
    ...(spec.ips ?? []).map((ip) => ({ type: 7, ip })),
  ];
  if (altNames.length) cert.setExtensions([{ name: 'subjectAltName', altNames }]);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** A PKCS#12 file (DER bytes) holding the key and its certificate, as a CA hands out a merchant's. */
export function makePkcs12(keyPem: string | KeyObject, certPem: string, passphrase: string): Buffer {
  const pem =
    typeof keyPem === 'string' ? keyPem : keyPem.export({ type: 'pkcs1', format: 'pem' }).toString();
  const p12 = forge.pkcs12.toPkcs12Asn1(
    forge.pki.privateKeyFromPem(createPrivateKey(pem).export({ type: 'pkcs1', format: 'pem' }).toString()),
    [forge.pki.certificateFromPem(certPem)],
    passphrase,
    { algorithm: '3des' },
  );
  return Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary');
}
