/** Nest injection tokens for the objects built before the Nest app (store, SQL client, token). */
export const SQL_CLIENT = Symbol('SQL_CLIENT');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');
export const PROXY_CONFIG = Symbol('PROXY_CONFIG');
export const GATEWAY_METRICS = Symbol('GATEWAY_METRICS');
export const PRICEBOOK = Symbol('PRICEBOOK');
export const UPSTREAM_DISPATCHERS = Symbol('UPSTREAM_DISPATCHERS');
export const PROCESSOR_REGISTRY = Symbol('PROCESSOR_REGISTRY');
export const REDIS = Symbol('REDIS');
export const SNAPSHOT_SETTINGS = Symbol('SNAPSHOT_SETTINGS');
export const BACKUP_SETTINGS = Symbol('BACKUP_SETTINGS');
export const KAFKA_BUS = Symbol('KAFKA_BUS');
