// The Logger moved to src/log so that src/rules (reload logging) can use it without importing http.
export { jsonLineLogger, silentLogger, type Logger } from '../log/logger.js';
