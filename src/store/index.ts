export type {
  ResourceObject,
  ResourceStore,
  ObjectKey,
  ListOptions,
  ListResult,
  PropagationPolicy,
  DeleteOptions,
  WatchEventType,
  WatchEvent,
  WatchOptions,
} from "./resource-store.js";
