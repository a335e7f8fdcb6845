// The read-path benchmark's floor: a bare @grpc/grpc-js server answering one method with fixed bytes
// (what our server answered), no codec, no checks. Prints its port on stdout, serves until killed.
// Run by bench/read-path.ts: `tsx bench/bare-grpc-server.ts PATH RESPONSE_BASE64`.
import * as grpc from "@grpc/grpc-js";

const [path, responseBase64] = process.argv.slice(2);
const response = Buffer.from(responseBase64 ?? "", "base64");
const identity = (b: Buffer) => b;
const server = new grpc.Server();
server.register<Buffer, Buffer>(path ?? "/", (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, response), identity, identity, "unary");
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  process.stdout.write(`${port}\n`);
});
process.on("SIGTERM", () => server.forceShutdown());
