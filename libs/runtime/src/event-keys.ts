import { join } from 'node:path';
import { EMBEDDED_EVENT_KEY_FILE } from '@caracal/api-contract';
import { ConfigError, type CaracalConfig } from '@caracal/config';
import { eventKeysFromFile, eventKeysFromHex, writeNewEventKeyFile, type EventKeys } from '@caracal/sealing';

/**
 * The event authentication key (docs/leaf-format.md "Event authentication"), found like the
 * Merkle signing key: CARACAL_EVENT_AUTH_KEY_FILE, else CARACAL_EVENT_AUTH_KEY (hex), plus the
 * keys of CARACAL_EVENT_AUTH_ACCEPTED_KEYS in the sealer's keyring. With neither, the embedded
 * profile uses `<dataDir>/event-auth-key`, creating it (mode 0600) on first start. The production
 * profile fails closed: a process that writes or seals events refuses to start without a key,
 * since its events would be written untagged, or sealed unchecked. `required: false` is for a
 * process that does neither (a projector running only other processors): it gets null.
 * A configured key that cannot be loaded is an error.
 */
export async function resolveEventKeys(
  config: Pick<CaracalConfig, 'profile' | 'merkle' | 'dataDir'>,
  options: { required: boolean },
): Promise<EventKeys | null> {
  const accepted = config.merkle.eventAcceptedKeysHex;
  if (config.merkle.eventKeyFile) return eventKeysFromFile(config.merkle.eventKeyFile, accepted);
  if (config.merkle.eventKeyHex) return eventKeysFromHex(config.merkle.eventKeyHex, 'env CARACAL_EVENT_AUTH_KEY', accepted);
  if (config.profile === 'production') {
    if (!options.required) return null;
    throw new ConfigError(
      'CARACAL_EVENT_AUTH_KEY',
      'the production profile needs an event authentication key: writers tag every event with it and the sealer refuses events ' +
        'without a valid tag. Set CARACAL_EVENT_AUTH_KEY to 64 hex digits (`openssl rand -hex 32`), or CARACAL_EVENT_AUTH_KEY_FILE to ' +
        'a mode-0600 file holding them, the same key for the gateways and the merkle-sealer (docs/leaf-format.md)',
    );
  }
  const path = join(config.dataDir, EMBEDDED_EVENT_KEY_FILE);
  try {
    await writeNewEventKeyFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Not the first start: the key written then stays the key.
  }
  return eventKeysFromFile(path, accepted);
}
