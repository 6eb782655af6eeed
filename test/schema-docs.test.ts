import { describe, expect, it } from 'vitest';
import { readSchema } from '../src/source/read-schema.js';

type Node = Record<string, unknown>;

/** Every field of every `properties` map, with the `$ref` chain it points through. */
function fields(schema: Node): { path: string; chain: Node[] }[] {
  const definitions = (schema.definitions ?? {}) as Record<string, Node>;
  const chainOf = (node: Node): Node[] => {
    const chain = [node];
    let n: Node | undefined = node;
    while (typeof n?.$ref === 'string' && n.$ref.startsWith('#/definitions/')) {
      n = definitions[n.$ref.slice('#/definitions/'.length)];
      if (n) chain.push(n);
    }
    return chain;
  };
  const out: { path: string; chain: Node[] }[] = [];
  const walk = (node: unknown, path: string) => {
    if (!node || typeof node !== 'object') return;
    const props = (node as Node).properties as Record<string, Node> | undefined;
    if (props) for (const [name, value] of Object.entries(props)) out.push({ path: `${path}.${name}`, chain: chainOf(value) });
    // `if`/`else` only name fields already described, to state which are needed together.
    for (const [key, value] of Object.entries(node)) if (key !== 'if' && key !== 'then' && key !== 'else') walk(value, `${path}/${key}`);
  };
  walk(schema, '#');
  return out;
}

// VS Code's YAML extension shows `description` on hover and offers `examples` as completions.
describe.each(['rules', 'rule-tests'])('schema/%s.schema.json', (name) => {
  const rows = fields(readSchema(name));
  it.each(rows)('$path has a description and examples for the editor', ({ chain }) => {
    expect(chain.some((n) => typeof n.description === 'string' && n.description.length > 0)).toBe(true);
    expect(chain.some((n) => Array.isArray(n.examples) && n.examples.length > 0)).toBe(true);
  });
});
