import { ConnectError, type Code } from "@connectrpc/connect";

/** The wire code and message a call fails with; a call that succeeds fails the test. */
export async function codeOf(call: Promise<unknown>): Promise<{ code: Code; message: string }> {
  const err = await call.then(() => undefined, (e: unknown) => ConnectError.from(e));
  if (!err) throw new Error("expected the call to fail");
  return { code: err.code, message: err.rawMessage };
}
