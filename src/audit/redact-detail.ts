// Credentials a message could quote: API tokens and anything shaped like a JWT.
const credentialPatterns = [/choreo_[A-Za-z0-9_-]{8,}/g, /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g];
const maxDetailLength = 1024;

/**
 * A message made fit for the audit log: credentials replaced by "[redacted]", at most 1 KiB. Records
 * carry no object content (secrets in specs never reach them); only an error message could quote one.
 */
export function redactDetail(text: string): string {
  let out = text;
  for (const pattern of credentialPatterns) out = out.replace(pattern, "[redacted]");
  return out.length > maxDetailLength ? `${out.slice(0, maxDetailLength - 1)}…` : out;
}
