import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import type { DescService } from "@bufbuild/protobuf";
import { BuildService } from "../../gen/openchoreo/api/v1alpha1/build_service_pb.js";
import { ComponentService } from "../../gen/openchoreo/api/v1alpha1/component_service_pb.js";
import { IdentityService } from "../../gen/openchoreo/api/v1alpha1/identity_service_pb.js";
import { LoginService } from "../../gen/openchoreo/api/v1alpha1/login_service_pb.js";
import { PromotionService } from "../../gen/openchoreo/api/v1alpha1/promotion_service_pb.js";
import { ResourceService } from "../../gen/openchoreo/api/v1alpha1/resource_service_pb.js";
import { session } from "./session.js";

// Every call carries the signed-in credential; the page talks to its own origin only.
const bearer: Interceptor = (next) => (req) => {
  const credential = session.credential();
  if (credential) req.header.set("authorization", `Bearer ${credential}`);
  return next(req);
};

const transport = createConnectTransport({ baseUrl: location.origin, useBinaryFormat: true, interceptors: [bearer] });
const client = <S extends DescService>(service: S): Client<S> => createClient(service, transport);

export const api = {
  resources: client(ResourceService),
  builds: client(BuildService),
  components: client(ComponentService),
  promotions: client(PromotionService),
  login: client(LoginService),
  identity: client(IdentityService),
};
