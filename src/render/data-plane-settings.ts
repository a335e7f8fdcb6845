import type { DataPlane } from "../../gen/openchoreo/model/v1alpha1/data_plane_pb.js";

export type TlsVersion = "1.0" | "1.1" | "1.2" | "1.3";

/** One of the data plane's two gateways (Envoy Gateway `Gateway` objects). */
export interface GatewaySettings {
  /** The Gateway object's name; routes attach to it. */
  readonly name: string;
  /** Labels of the gateway's proxy pods, for network policies. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** A Service's API host is `<environment>.<virtualHost>`; from the DataPlane's spec.gateway. */
  readonly virtualHost: string | undefined;
  /** How clients reach the gateway: the scheme and port of endpoint URLs. */
  readonly scheme: "http" | "https";
  readonly port: number;
  /** The proxy container's port behind `port` (network policies see pod ports, not Service ports). */
  readonly podPort: number;
  /** The listener (Gateway API sectionName) that terminates TLS: routes of APIs that require TLS attach only there. */
  readonly tlsListenerName: string;
  /** The minimum TLS version the platform enforces on this gateway (a gateway-wide ClientTrafficPolicy). */
  readonly minTlsVersion: TlsVersion;
}

/** The secrets store the Secrets Store CSI driver reads `vaultKey` values from. */
export interface SecretStoreSettings {
  readonly provider: string;
  /** Provider parameters other than `objects` (which the renderer writes). */
  readonly parameters: Readonly<Record<string, string>>;
  /** The field of each secret that holds its value. */
  readonly secretKey: string;
  /** Where the CSI volume is mounted in containers that read a secret. */
  readonly mountPath: string;
}

/**
 * How a data plane is set up, as far as rendering needs to know. OpenChoreo v0.3's DataPlane holds
 * only the virtual hosts; the rest are the conventions of its data-plane install, kept here as
 * defaults a controller may override per plane.
 */
export interface DataPlaneSettings {
  /** The namespace of both Gateway objects (routes attach there). */
  readonly gatewayNamespace: string;
  /**
   * Where Envoy Gateway runs the gateways' proxy pods, which network policies name: its own
   * namespace, which OpenChoreo v0.3's data-plane chart makes the gateways' namespace too
   * (`envoy-gateway-system` for a stock Envoy Gateway install).
   */
  readonly proxyNamespace: string;
  /** Northbound (Public endpoints). */
  readonly externalGateway: GatewaySettings;
  /** Westbound (Organization endpoints, and connections between projects). */
  readonly internalGateway: GatewaySettings;
  readonly dns: {
    readonly namespace: string;
    readonly podLabels: Readonly<Record<string, string>>;
    readonly port: number;
  };
  readonly clusterDomain: string;
  /**
   * The domain of web applications' hosts (`<component>-<environment>.<domain>`). The v0.3 DataPlane
   * has no field for it: OpenChoreo v0.3.2 renders every web application under choreoapps.localhost.
   */
  readonly webApplicationDomain: string;
  /** "cilium": CiliumNetworkPolicy; "kubernetes": networking.k8s.io/v1 NetworkPolicy, for planes without Cilium. */
  readonly networkPolicy: "cilium" | "kubernetes";
  /** Destinations outside the cluster that every workload may reach; nothing else outside is allowed. */
  readonly externalEgress: {
    readonly cidrs: readonly string[];
    /** Names or `*` patterns; needs Cilium (its DNS proxy learns their addresses). */
    readonly fqdns: readonly string[];
  };
  readonly secretStore: SecretStoreSettings;
}

type GatewayOverrides = Partial<GatewaySettings>;

/** Everything a controller may set on top of the defaults. */
export interface DataPlaneSettingsOverrides {
  readonly gatewayNamespace?: string;
  readonly proxyNamespace?: string;
  readonly externalGateway?: GatewayOverrides;
  readonly internalGateway?: GatewayOverrides;
  readonly dns?: Partial<DataPlaneSettings["dns"]>;
  readonly clusterDomain?: string;
  readonly webApplicationDomain?: string;
  readonly networkPolicy?: DataPlaneSettings["networkPolicy"];
  readonly externalEgress?: Partial<DataPlaneSettings["externalEgress"]>;
  readonly secretStore?: Partial<SecretStoreSettings>;
}

/** The settings of a data plane: its virtual hosts, the v0.3 install's conventions, then overrides. */
export function dataPlaneSettings(dataPlane: DataPlane, overrides: DataPlaneSettingsOverrides = {}): DataPlaneSettings {
  const gatewayNamespace = overrides.gatewayNamespace ?? "choreo-system";
  const gateway = dataPlane.spec?.gateway;
  return {
    gatewayNamespace,
    proxyNamespace: overrides.proxyNamespace ?? gatewayNamespace,
    externalGateway: gatewaySettings("gateway-external", gatewayNamespace, gateway?.publicVirtualHost, overrides.externalGateway),
    internalGateway: gatewaySettings("gateway-internal", gatewayNamespace, gateway?.organizationVirtualHost, overrides.internalGateway),
    dns: { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" }, port: 53, ...overrides.dns },
    clusterDomain: overrides.clusterDomain ?? "cluster.local",
    webApplicationDomain: overrides.webApplicationDomain ?? "choreoapps.localhost",
    networkPolicy: overrides.networkPolicy ?? "cilium",
    externalEgress: { cidrs: [], fqdns: [], ...overrides.externalEgress },
    secretStore: {
      provider: "vault",
      parameters: { vaultAddress: "http://choreo-vault:8200", roleName: "choreo-secret-reader-role" },
      secretKey: "value",
      mountPath: "/mnt/secrets-store",
      ...overrides.secretStore,
    },
  };
}

function gatewaySettings(
  defaultName: string,
  namespace: string,
  virtualHost: string | undefined,
  overrides: GatewayOverrides = {},
): GatewaySettings {
  const name = overrides.name ?? defaultName;
  return {
    name,
    // The labels Envoy Gateway puts on the proxy pods it runs for a Gateway.
    podLabels: {
      "gateway.envoyproxy.io/owning-gateway-name": name,
      "gateway.envoyproxy.io/owning-gateway-namespace": namespace,
    },
    virtualHost: virtualHost || undefined,
    scheme: "https",
    port: 443,
    // Envoy Gateway moves listener ports below 1024 up by 10000 inside its proxy pods.
    podPort: 10443,
    tlsListenerName: "https",
    minTlsVersion: "1.2",
    ...overrides,
  };
}
