import { error, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { ParsedFile } from '../source/parse-yaml.js';
import type { RulesFile } from '../types/generated/rules.js';
import type { DeclaredMenu } from './compile-menus.js';

/** The `menus:` of every rules file, by name; a name may be declared once in the whole folder. */
export function declareMenus(files: readonly { parsed: ParsedFile; file: RulesFile }[], folderVoice: string | undefined, diagnostics: Diagnostic[]): Map<string, DeclaredMenu> {
  const menus = new Map<string, DeclaredMenu>();
  for (const { parsed, file } of files) {
    const ids = file.scope?.subAccountId;
    const scope = ids === undefined ? undefined : new Set(Array.isArray(ids) ? ids : [ids]);
    for (const [name, menu] of Object.entries(file.menus ?? {})) {
      if (!menu) continue;
      const earlier = menus.get(name);
      if (earlier) {
        const pos = earlier.parsed.locate(['menus', name], 'key');
        diagnostics.push(
          error('duplicate-menu', `menu \`${name}\` is already declared at ${earlier.parsed.file}:${pos.line}:${pos.col}; menu names must be unique across all files`, {
            file: parsed.file,
            ...parsed.locate(['menus', name], 'key'),
          }),
        );
        continue;
      }
      menus.set(name, { name, menu, parsed, ...(scope ? { scope, scopeSource: ids } : {}), voiceProfile: file.defaults?.voiceProfile ?? folderVoice });
    }
  }
  return menus;
}
