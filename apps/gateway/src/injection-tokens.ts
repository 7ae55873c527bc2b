/** Nest injection tokens for the objects built before the Nest app (store, SQL client, token). */
export const SQL_CLIENT = Symbol('SQL_CLIENT');
export const EVENT_STORE = Symbol('EVENT_STORE');
export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');
