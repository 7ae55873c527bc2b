import { join } from 'node:path';
import type { CaracalConfig } from '@caracal/config';
import { eventKeysFromFile, eventKeysFromHex, writeNewEventKeyFile, type EventKeys } from '@caracal/sealing';

export const EMBEDDED_EVENT_KEY_FILE = 'event-auth-key';

/**
 * The event authentication key (docs/leaf-format.md "Event authentication"), found like the
 * Merkle signing key: CARACAL_EVENT_AUTH_KEY_FILE, else CARACAL_EVENT_AUTH_KEY (hex). With neither,
 * `generate` (the embedded profile) uses `<dataDir>/event-auth-key`, creating it (mode 0600) on
 * first start; otherwise there is none: events are written untagged and the sealer does not check
 * tags, with a warning. A configured key that cannot be loaded is an error.
 */
export async function resolveEventKeys(
  config: Pick<CaracalConfig, 'merkle' | 'dataDir'>,
  options: { generate: boolean; warn?: (message: string) => void },
): Promise<EventKeys | null> {
  if (config.merkle.eventKeyFile) return eventKeysFromFile(config.merkle.eventKeyFile);
  if (config.merkle.eventKeyHex) return eventKeysFromHex(config.merkle.eventKeyHex, 'env CARACAL_EVENT_AUTH_KEY');
  if (!options.generate) {
    (options.warn ?? console.warn)(
      'No event authentication key (CARACAL_EVENT_AUTH_KEY_FILE or CARACAL_EVENT_AUTH_KEY): events are not authenticated at write time and the sealer seals events without checking them.',
    );
    return null;
  }
  const path = join(config.dataDir, EMBEDDED_EVENT_KEY_FILE);
  try {
    await writeNewEventKeyFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Not the first start: the key written then stays the key.
  }
  return eventKeysFromFile(path);
}
