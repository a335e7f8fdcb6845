export {
  parseConfig,
  unknownConfigVariables,
  ConfigError,
  isConfigError,
  type Config,
  type AgentConfig,
  type ConfigIssue,
  type LogLevel,
} from "./config.js";
export { startServer, type ServerConfig, type ServerDeps, type RunningServer } from "./start-server.js";
