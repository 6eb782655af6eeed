import { readFileSync } from 'node:fs';

/** The one list of known voices: schema/voice-profiles.json (editable without touching code). */
export function readKnownVoiceProfiles(): ReadonlySet<string> {
  const url = new URL('../../schema/voice-profiles.json', import.meta.url);
  const data = JSON.parse(readFileSync(url, 'utf8')) as { voiceProfiles: string[] };
  return new Set(data.voiceProfiles);
}
