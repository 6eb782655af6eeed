/** Just enough of a Dockerfile parser for checking what the image is built from. */
interface Instruction {
  keyword: string;
  /** The rest of the line, continuations joined. */
  rest: string;
}

export interface Stage {
  name: string;
  image: string;
  workdir: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [image = '', , name] = rest.split(/\s+/);
      stages.push({ name: name ?? String(stages.length), image, workdir: '/', instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${keyword} before FROM`);
    if (upper === 'WORKDIR') stage.workdir = rest.startsWith('/') ? rest : `${stage.workdir.replace(/\/$/, '')}/${rest}`;
    stage.instructions.push({ keyword: upper, rest });
  }
  return stages;
}

export interface Copy {
  from?: string;
  sources: string[];
  dest: string;
}

export function copiesOf(stage: Stage): Copy[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY')
    .map((i) => {
      const words = i.rest.split(/\s+/);
      const flags = words.filter((w) => w.startsWith('--'));
      const paths = words.filter((w) => !w.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      return { ...(from ? { from } : {}), sources: paths.slice(0, -1), dest: paths.at(-1)! };
    });
}

/** The JSON array of an exec-form instruction (`CMD ["node", "x.js"]`), after any options. */
export function execForm(stage: Stage, keyword: 'CMD' | 'ENTRYPOINT' | 'HEALTHCHECK'): string[] | undefined {
  const i = stage.instructions.filter((x) => x.keyword === keyword).at(-1);
  if (!i) return undefined;
  const json = i.rest.slice(i.rest.indexOf('['));
  return JSON.parse(json) as string[];
}

/** ENV lines of a stage (`ENV A=1 B=2`), as a map. */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.keyword === 'ENV')) {
    for (const m of i.rest.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  }
  return env;
}
