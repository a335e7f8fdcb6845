import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { PromotionService } from "../../gen/openchoreo/api/v1alpha1/promotion_service_pb.js";
import { createErrorBoundary } from "../server/index.js";
import { pino } from "pino";
import { createIdentityInterceptor, identityHeader, identityKey } from "./identity.js";

/** A PromotionService whose GetPromotion answers with the caller's principal as the promotion's name. */
function clientOf(insecureHeader: boolean, sent: string | undefined) {
  const transport = createRouterTransport(
    (router) =>
      router.service(PromotionService, {
        getPromotion: (_req, ctx) => {
          const identity = ctx.values.get(identityKey);
          return { promotion: { metadata: { name: identity.principal ?? `anonymous: ${identity.anonymousBecause}` } } };
        },
      }),
    { router: { interceptors: [createErrorBoundary(pino({ level: "silent" })), createIdentityInterceptor({ insecureHeader })] } },
  );
  return createClient(PromotionService, transport).getPromotion({}, sent === undefined ? {} : { headers: { [identityHeader]: sent } });
}

describe("the identity interceptor", () => {
  it("takes the principal from x-choreo-identity only when told to", async () => {
    expect((await clientOf(true, "carol")).promotion?.metadata?.name).toBe("carol");
    expect((await clientOf(false, "carol")).promotion?.metadata?.name).toMatch(/^anonymous: .*CHOREO_INSECURE_IDENTITY=1/);
    expect((await clientOf(true, undefined)).promotion?.metadata?.name).toMatch(/^anonymous: /);
  });

  it("answers InvalidArgument for a principal that is not a plain name", async () => {
    const err = await clientOf(true, "carol admin").catch((e: unknown) => ConnectError.from(e));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
    expect((err as ConnectError).rawMessage).toMatch(/^header x-choreo-identity: must be a name/);
  });
});
