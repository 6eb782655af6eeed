import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closest } from '../text/suggest.js';
import { UsageError } from './usage-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * parseArgs with the caller's mistakes in plain words: `--strictt` gets "unknown option --strictt;
 * did you mean --strict?" instead of Node's text about `'--'` and positionals.
 */
export function parseCommandArgs<const O extends Options>(command: string, args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message = e instanceof Error ? e.message : String(e);
    const flag = /'(-[^']*)'/.exec(message)?.[1] ?? '';
    const names = Object.keys(options);
    const list = names.map((n) => `--${n}`).join(', ');
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const name = flag.replace(/^-+/, '').split('=')[0]!;
      const near = closest(name, names);
      throw new UsageError(`unknown option ${flag} for ${command}${near ? `; did you mean --${near}?` : `: its options are ${list}`}`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const name = /--([\w-]+)/.exec(message)?.[1];
      const option = name ? options[name] : undefined;
      throw new UsageError(option?.type === 'boolean' ? `--${name} takes no value` : `--${name ?? flag} needs a value, like --${name ?? flag} VALUE`);
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`${command} takes no arguments other than options (${list}); got ${/'([^']*)'/.exec(message)?.[1] ?? message}`);
    throw e;
  }
}

/** Flags npm keeps for itself when `--` is missing (`npm run validate rules --strict`): it passes them on only as npm_config_* variables. */
export function checkNpmKeptNoFlags(command: string, options: Options, env: NodeJS.ProcessEnv): void {
  // Only under `npm run <command>`: elsewhere npm_config_* may be the user's own settings.
  if (env.npm_lifecycle_event !== command) return;
  const kept = Object.keys(options).filter((n) => env[`npm_config_${n.replace(/-/g, '_')}`] !== undefined);
  if (kept.length === 0) return;
  const flags = kept.map((n) => `--${n}`).join(' ');
  throw new UsageError(`npm kept ${flags} for itself, so ${command} never saw ${kept.length === 1 ? 'it' : 'them'}: put -- after the script name, like \`npm run ${command} -- rules ${flags}\``);
}
