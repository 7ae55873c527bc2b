/**
 * The embedded profile's data directory, as the gateway writes it and the CLI finds it on the
 * same machine (README "Quickstart"): where it is by default, and the files in it.
 */
export const DEFAULT_DATA_DIR = './.caracal';
/** The admin token the gateway generates on first start (mode 0600). */
export const ADMIN_TOKEN_FILE = 'admin-token';
/** Where the embedded gateway listens: `{"url": "http://127.0.0.1:8443", "pid": 1234}`. */
export const GATEWAY_INFO_FILE = 'gateway.json';
/** The Ed25519 key that signs the Merkle tree heads when no key is configured. */
export const EMBEDDED_SIGNING_KEY_FILE = 'merkle-signing-key.pem';
/** The HMAC key events are tagged with when no key is configured (mode 0600; docs/leaf-format.md). */
export const EMBEDDED_EVENT_KEY_FILE = 'event-auth-key';
