/** A tree head whose fields break the head format (see validateTreeHead); `field` names the first one. */
export class InvalidTreeHeadError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`Invalid tree head: ${field} ${detail}`);
    this.name = 'InvalidTreeHeadError';
  }
}

export type TreeHeadSignatureFailure =
  /** head.keyId is not among the trusted public keys (forged, or a key never published). */
  | 'unknown_key'
  /** The signature does not verify over the head's canonical bytes with that key. */
  | 'bad_signature'
  /** Not 64 bytes (128 hex digits). */
  | 'malformed_signature'
  /** The head cannot be canonically encoded, so it cannot have been signed. */
  | 'malformed_head';

const EXPLANATIONS: Record<TreeHeadSignatureFailure, string> = {
  unknown_key: 'signed by a key that is not trusted',
  bad_signature: 'the signature does not match the head',
  malformed_signature: 'the signature is not 64 bytes of lowercase hex',
  malformed_head: 'the head cannot be canonically encoded',
};

/** Thrown by assertTreeHeadSignature; verifyTreeHeadSignature returns the same reason instead. */
export class TreeHeadSignatureError extends Error {
  constructor(
    readonly reason: TreeHeadSignatureFailure,
    readonly keyId: string,
  ) {
    super(`Tree head signature rejected (key ${keyId}): ${EXPLANATIONS[reason]}`);
    this.name = 'TreeHeadSignatureError';
  }
}

/** A key that is not a usable Ed25519 key, or does not match the head it should sign. */
export class SigningKeyError extends Error {
  constructor(detail: string) {
    super(`Signing key: ${detail}`);
    this.name = 'SigningKeyError';
  }
}
