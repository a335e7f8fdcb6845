import type { Security } from "../../gen/openchoreo/model/v1alpha1/api_class_pb.js";
import type { GatewaySettings, TlsVersion } from "./data-plane-settings.js";
import { renderError, renderWarning, type RenderProblem } from "./render-problem.js";

const versions: readonly TlsVersion[] = ["1.0", "1.1", "1.2", "1.3"];

/**
 * What an APIClass's TLS settings mean for a route. `requireTLS` attaches the route only to the
 * gateway's TLS listener, so the API is not served in clear text. `minTLSVersion` cannot be set per
 * route: Envoy Gateway's ClientTrafficPolicy applies to a whole Gateway (which the platform owns,
 * outside the cell), so a minimum above what the gateway enforces is reported, not rendered.
 */
export function tlsRequirement(
  security: Security | undefined,
  gateway: GatewaySettings,
  className: string,
): { sectionName: string | undefined; problems: RenderProblem[] } {
  const problems: RenderProblem[] = [];
  const wanted = security?.minTlsVersion;
  if (wanted) {
    const version = versions.find((v) => wanted.replace(/^TLS\s*v?/i, "") === v);
    if (!version) {
      problems.push(renderError("PolicyInvalid", `APIClass "${className}": minTLSVersion "${wanted}" is not one of ${versions.join(", ")}`));
    } else if (versions.indexOf(version) > versions.indexOf(gateway.minTlsVersion)) {
      problems.push(
        renderWarning(
          "PolicyNotSupported",
          `APIClass "${className}": minTLSVersion ${version} is not enforced: ${gateway.name} accepts TLS ${gateway.minTlsVersion} and up (a gateway-wide setting)`,
        ),
      );
    }
  }
  return { sectionName: security?.requireTls ? gateway.tlsListenerName : undefined, problems };
}
