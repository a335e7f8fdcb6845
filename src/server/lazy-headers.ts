import type { IncomingHttpHeaders } from "node:http2";

/**
 * Headers as Connect's interceptors see them, for the native gRPC fast path, without a fetch Headers
 * per call (making one, and filling it, cost more than the cached read it serves): reads go to Node's
 * header object (the request's; none for a response) until something changes or lists them, and from
 * then on a real Headers holds them. HTTP/2 pseudo-headers are left out, as Connect leaves them out.
 */
export class LazyHeaders {
  #raw: IncomingHttpHeaders | undefined;
  #headers: Headers | undefined;

  constructor(raw?: IncomingHttpHeaders) {
    this.#raw = raw;
  }

  /** Typed as the Headers every interceptor expects; it has each of their methods. */
  asHeaders(): Headers {
    return this as unknown as Headers;
  }

  get(name: string): string | null {
    if (this.#headers) return this.#headers.get(name);
    const key = name.toLowerCase();
    const value = this.#raw === undefined || key.startsWith(":") ? undefined : this.#raw[key];
    return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  getSetCookie(): string[] {
    return this.#real().getSetCookie();
  }

  set(name: string, value: string): void {
    this.#real().set(name, value);
  }

  append(name: string, value: string): void {
    this.#real().append(name, value);
  }

  delete(name: string): void {
    this.#real().delete(name);
  }

  forEach(callback: (value: string, name: string, parent: Headers) => void, thisArg?: unknown): void {
    this.#real().forEach(callback, thisArg);
  }

  entries(): IterableIterator<[string, string]> {
    return this.#real().entries();
  }

  keys(): IterableIterator<string> {
    return this.#real().keys();
  }

  values(): IterableIterator<string> {
    return this.#real().values();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** Name → value for Node's respond(); no Headers is made for one nothing touched. */
  toRecord(): Record<string, string> {
    const out: Record<string, string> = {};
    if (!this.#headers && this.#raw === undefined) return out;
    this.#real().forEach((value, name) => (out[name] = value));
    return out;
  }

  #real(): Headers {
    if (this.#headers) return this.#headers;
    const headers = (this.#headers = new Headers());
    for (const [name, value] of Object.entries(this.#raw ?? {})) {
      if (name.startsWith(":") || value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else headers.set(name, value);
    }
    this.#raw = undefined;
    return headers;
  }
}
