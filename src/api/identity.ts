import { createContextKey, type Interceptor } from "@connectrpc/connect";
import { InvalidSpecError } from "../errors/index.js";

/** Who makes a request; no principal means anonymous, and `anonymousBecause` says why. */
export interface Identity {
  readonly principal: string | undefined;
  readonly anonymousBecause: string;
}

/** Until authentication lands, a client names itself in this header (honoured only when configured). */
export const identityHeader = "x-choreo-identity";

const noIdentity: Identity = {
  principal: undefined,
  anonymousBecause: "the request is anonymous: the server has no authentication yet and honours the x-choreo-identity header only with CHOREO_INSECURE_IDENTITY=1",
};

/** The identity of the call, for handlers (`ctx.values.get(identityKey)`). */
export const identityKey = createContextKey<Identity>(noIdentity, { description: "caller identity" });

// A principal appears in objects, events and logs: plain names only.
const principalPattern = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/;

/**
 * The one boundary that puts an identity on every request. With `insecureHeader` the principal is
 * whatever the x-choreo-identity header says (trusted networks and tests only); without it every
 * request is anonymous, whatever it sends.
 */
export function createIdentityInterceptor(options: { readonly insecureHeader: boolean }): Interceptor {
  return (next) => async (req) => {
    const sent = req.header.get(identityHeader);
    if (options.insecureHeader && sent !== null) {
      if (!principalPattern.test(sent)) {
        throw new InvalidSpecError([{ path: `header ${identityHeader}`, message: "must be a name of letters, digits and . _ @ : - (at most 128 characters)" }]);
      }
      req.contextValues.set(identityKey, { principal: sent, anonymousBecause: "" });
    } else {
      req.contextValues.set(identityKey, noIdentity);
    }
    return next(req);
  };
}
