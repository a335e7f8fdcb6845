import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { DataPlaneSchema } from "../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";
import { dataPlaneSettings } from "./data-plane-settings.js";

const dataPlane = create(DataPlaneSchema, { spec: { gateway: { publicVirtualHost: "apis.example.com", organizationVirtualHost: "" } } });

describe("dataPlaneSettings", () => {
  it("takes the virtual hosts from the DataPlane and the rest from the v0.3 install's conventions", () => {
    const settings = dataPlaneSettings(dataPlane);
    expect(settings.externalGateway).toEqual({
      name: "gateway-external",
      podLabels: {
        "gateway.envoyproxy.io/owning-gateway-name": "gateway-external",
        "gateway.envoyproxy.io/owning-gateway-namespace": "choreo-system",
      },
      virtualHost: "apis.example.com",
      scheme: "https",
      port: 443,
      podPort: 10443,
      tlsListenerName: "https",
      minTlsVersion: "1.2",
    });
    expect(settings.internalGateway.virtualHost).toBeUndefined();
    expect(settings.dns).toEqual({ namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" }, port: 53 });
    expect(settings.proxyNamespace).toBe("choreo-system");
    expect(settings.networkPolicy).toBe("cilium");
    expect(settings.externalEgress).toEqual({ cidrs: [], fqdns: [] });
    expect(settings.secretStore.provider).toBe("vault");
  });

  it("applies overrides; a renamed gateway or namespace carries over to the proxy pods' labels", () => {
    const settings = dataPlaneSettings(dataPlane, {
      gatewayNamespace: "gateways",
      internalGateway: { name: "west", virtualHost: "internal.example.com" },
      externalEgress: { cidrs: ["192.0.2.0/24"] },
      networkPolicy: "kubernetes",
    });
    expect(settings.internalGateway.podLabels).toEqual({
      "gateway.envoyproxy.io/owning-gateway-name": "west",
      "gateway.envoyproxy.io/owning-gateway-namespace": "gateways",
    });
    expect(settings.internalGateway.virtualHost).toBe("internal.example.com");
    expect(settings.externalGateway.podLabels["gateway.envoyproxy.io/owning-gateway-namespace"]).toBe("gateways");
    expect(settings.proxyNamespace).toBe("gateways");
    expect(dataPlaneSettings(dataPlane, { proxyNamespace: "envoy-gateway-system" }).proxyNamespace).toBe("envoy-gateway-system");
    expect(settings.externalEgress).toEqual({ cidrs: ["192.0.2.0/24"], fqdns: [] });
    expect(settings.networkPolicy).toBe("kubernetes");
  });
});
