import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createContextValues, createRouterTransport, type UnaryRequest, type UnaryResponse } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { IdentityService, WhoAmIRequestSchema } from "../../gen/openchoreo/api/v1alpha1/identity_service_pb.js";
import { CallAbort, callAbortKey } from "./call-abort.js";
import { createCallLimits } from "./call-limits.js";
import { createLimitsInterceptor } from "./limits-interceptor.js";

const limits = () => createCallLimits({ ratePerSecond: 0, burst: 1, streamsPerPrincipal: 0, streamsPerAgent: 0, watchStreams: 0 });
const codeOf = (call: Promise<unknown>) => call.then(() => "answered", (err: unknown) => ConnectError.from(err));

/** A WhoAmI as the native gRPC fast path hands it to the interceptors: its cancellation in the context values. */
function fastPathRequest(abort: CallAbort): UnaryRequest {
  return {
    stream: false,
    service: IdentityService,
    method: IdentityService.method.whoAmI,
    requestMethod: "POST",
    url: "http://localhost/openchoreo.api.v1alpha1.IdentityService/WhoAmI",
    header: new Headers(),
    contextValues: createContextValues().set(callAbortKey, abort),
    message: create(WhoAmIRequestSchema),
    get signal() {
      return abort.signal;
    },
  };
}

describe("the unary deadline", () => {
  it("aborts the handler's signal when the server's deadline passes, and answers deadline_exceeded though the handler never returns", async () => {
    let handlerSignal: AbortSignal | undefined;
    const transport = createRouterTransport(
      (router) =>
        router.service(IdentityService, {
          whoAmI: (_req, context) => ((handlerSignal = context.signal), new Promise<never>(() => undefined)),
        }),
      { router: { interceptors: [createLimitsInterceptor({ limits: limits(), requestTimeoutMs: 30, maxPageSize: 10 })] } },
    );
    const err = await codeOf(createClient(IdentityService, transport).whoAmI({}));
    expect(err).toMatchObject({ code: Code.DeadlineExceeded, rawMessage: "the server's deadline of 30 ms passed" });
    expect(handlerSignal?.aborted).toBe(true);
  });

  it("answers at once with the transport's reason when the call is cancelled (a client deadline), and aborts the handler's signal with it", async () => {
    const abort = new CallAbort();
    let handlerSignal: AbortSignal | undefined;
    const handler = createLimitsInterceptor({ limits: limits(), requestTimeoutMs: 60_000, maxPageSize: 10 })(async (req) => {
      handlerSignal = req.signal;
      return new Promise<never>(() => undefined);
    });
    const answer = codeOf(handler(fastPathRequest(abort)));
    const reason = new ConnectError("the operation timed out", Code.DeadlineExceeded);
    abort.abort(reason);
    expect(await answer).toBe(reason);
    expect(handlerSignal?.aborted).toBe(true);
    expect(handlerSignal?.reason).toBe(reason);
  });

  it("answers with the handler's response, and a cancellation after it changes nothing", async () => {
    const abort = new CallAbort();
    const response = { stream: false } as UnaryResponse;
    const handler = createLimitsInterceptor({ limits: limits(), requestTimeoutMs: 60_000, maxPageSize: 10 })(async () => response);
    expect(await handler(fastPathRequest(abort))).toBe(response);
    abort.abort(new ConnectError("the client cancelled the call", Code.Canceled));
  });
});

describe("a call's cancellation", () => {
  it("hands a signal read after the abort already aborted, tells callbacks once, and forgets a stopped one", () => {
    const abort = new CallAbort();
    const heard: unknown[] = [];
    abort.onAbort((reason) => heard.push(`first: ${String(reason)}`));
    const stop = abort.onAbort((reason) => heard.push(`stopped: ${String(reason)}`));
    stop();
    abort.abort("gone");
    abort.abort("again");
    abort.onAbort((reason) => heard.push(`late: ${String(reason)}`));
    expect(heard).toEqual(["first: gone", "late: gone"]);
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toBe("gone");
  });
});
