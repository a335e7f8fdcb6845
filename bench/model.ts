// Benchmarks of the resource model: how long the codec and validation take per object. Figures go
// into the README with the machine they were measured on; no test asserts them.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { allFiles } from "../gen/index.js";
import { createCodec, createKindRegistry, validateObject, type JsonObject } from "../src/model/index.js";

const codec = createCodec(createKindRegistry(allFiles));

/** A Workload as developers write it: two containers, env from configuration groups, endpoints, connections. */
const workload: JsonObject = {
  apiVersion: "openchoreo.dev/v1alpha1",
  kind: "Workload",
  metadata: { name: "reading-list", namespace: "default", labels: { "openchoreo.dev/project": "default" } },
  spec: {
    owner: { projectName: "default", componentName: "reading-list" },
    containers: {
      main: {
        image: "ghcr.io/openchoreo/samples/reading-list:1.4.2",
        command: ["./server"],
        args: ["--port", "8080"],
        env: [
          { key: "LOG_LEVEL", value: "info" },
          { key: "DB_URL", valueFrom: { configurationGroupRef: { name: "db", key: "url" } } },
        ],
      },
      sidecar: { image: "ghcr.io/acme/proxy:2", args: ["--upstream", "127.0.0.1:8080"] },
    },
    endpoints: { api: { type: "REST", port: 8080, schema: { type: "REST", content: "openapi: 3.0.0\n".repeat(20) } } },
    connections: {
      books: {
        type: "api",
        params: { projectName: "default", componentName: "books", endpoint: "api" },
        inject: { env: [{ name: "BOOKS_URL", value: "{{ .url }}" }] },
      },
    },
  },
};

function measure(name: string, fn: () => unknown): void {
  for (let i = 0; i < 2_000; i++) fn();
  const runs = 20_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) fn();
  const ns = Number(process.hrtime.bigint() - start) / runs;
  console.log(`${name.padEnd(44)} ${(ns / 1000).toFixed(1).padStart(7)} µs/op ${Math.round(1e9 / ns).toString().padStart(8)} ops/s`);
}

/** Per-object cost of the codec and validation, printed one line per operation. */
export function benchModel(): void {
  const kind = codec.kindOf(workload);
  const message = codec.decode(workload).message;
  const bytes = toBinary(kind.schema, message);
  const yamlText = codec.toYaml(workload);
  console.log(`Workload: ${JSON.stringify(workload).length} bytes as JSON, ${bytes.length} bytes as protobuf`);
  measure("decode (Kubernetes JSON → message, checked)", () => codec.decode(workload));
  measure("encode (message → Kubernetes JSON)", () => codec.encode(message));
  measure("validate (defaults + every registry rule)", () => validateObject(kind, workload));
  measure("binary encode (message → protobuf)", () => toBinary(kind.schema, message));
  measure("binary decode (protobuf → message)", () => fromBinary(kind.schema, bytes));
  measure("YAML parse + decode + validate", () => {
    for (const doc of codec.parseManifests(yamlText)) validateObject(codec.decode(doc).kind, doc);
  });
}
