export * from './caracal-config.js';
export * from './config.error.js';
