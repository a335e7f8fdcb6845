// Test support: the custom resource definition the double's CRD scenarios install.
/** A CRD with what our own CRDs use: defaults, enums, patterns, required fields, a preserved subtree, status, columns, short names. */
export const widgetCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { kind: "Widget", plural: "widgets", singular: "widget", listKind: "WidgetList", shortNames: ["wd"], categories: ["all", "gadgets"] },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: "Color", type: "string", jsonPath: ".spec.color" },
          { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              apiVersion: { type: "string" },
              kind: { type: "string" },
              metadata: { type: "object" },
              spec: {
                type: "object",
                required: ["color"],
                properties: {
                  color: { type: "string", enum: ["red", "blue"] },
                  replicas: { type: "integer", format: "int32", minimum: 0, default: 1 },
                  size: { type: "string", pattern: "^[0-9]+(Mi|Gi)$" },
                  port: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] },
                  extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                  labels: { type: "object", additionalProperties: { type: "string" } },
                },
              },
              status: {
                type: "object",
                properties: { conditions: { type: "array", items: { type: "object", properties: { type: { type: "string" }, status: { type: "string" } } } } },
              },
            },
          },
        },
      },
    ],
  },
};
