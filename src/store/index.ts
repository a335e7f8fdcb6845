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
  StoreWriteOptions,
  CommittedChange,
} from "./resource-store.js";
export {
  deniedCodes,
  type AuditRecord,
  type StoredAuditRecord,
  type AuditResult,
  type AuditQuery,
  type AuditPage,
  type AuditLog,
  type AuditRetention,
} from "./audit-log.js";
export { storeDefaults, type StoreOptions } from "./create-resource-store.js";
export type { HistoryWindow } from "./history-window.js";
export { createMemoryStore } from "./memory-store.js";
export { createSqliteStore, type SqliteStoreOptions } from "./sqlite-store.js";
export type { LogStore, LogChunk, LogRead, FollowOptions } from "./log-store.js";
export { logStoreDefaults, type LogStoreOptions } from "./create-log-store.js";
export { createMemoryLogStore } from "./memory-log-store.js";
export { createSqliteLogStore, type SqliteLogStoreOptions } from "./sqlite-log-store.js";
