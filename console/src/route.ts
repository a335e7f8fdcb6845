import { useEffect, useState } from "preact/hooks";

// Hash routes (#/o/acme/c/greeter): the server answers only "/" with the page, so a deep link never
// needs a server-side fallback, and a reload keeps the view.
export type Route =
  | { readonly view: "organizations" }
  | { readonly view: "organization"; readonly org: string }
  | { readonly view: "project"; readonly org: string; readonly project: string }
  | { readonly view: "component"; readonly org: string; readonly component: string }
  | { readonly view: "approvals"; readonly org: string }
  | { readonly view: "planes"; readonly org: string }
  | { readonly view: "events"; readonly org: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const [o, org, section, name] = parts;
  if (o !== "o" || !org) return { view: "organizations" };
  if (section === "p" && name) return { view: "project", org, project: name };
  if (section === "c" && name) return { view: "component", org, component: name };
  if (section === "approvals" || section === "planes" || section === "events") return { view: section, org };
  return { view: "organization", org };
}

export const href = {
  organizations: () => "#/",
  organization: (org: string) => `#/o/${encodeURIComponent(org)}`,
  project: (org: string, project: string) => `#/o/${encodeURIComponent(org)}/p/${encodeURIComponent(project)}`,
  component: (org: string, component: string) => `#/o/${encodeURIComponent(org)}/c/${encodeURIComponent(component)}`,
  section: (org: string, section: "approvals" | "planes" | "events") => `#/o/${encodeURIComponent(org)}/${section}`,
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
