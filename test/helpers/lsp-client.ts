import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

/** A tiny LSP client over stdio for the real yaml-language-server, as an editor drives it. */
export interface LspClient {
  open(uri: string, text: string): Promise<LspDiagnostic[]>;
  complete(uri: string, line: number, character: number): Promise<string[]>;
  close(): Promise<void>;
}

interface LspDiagnostic {
  message: string;
  range: { start: { line: number; character: number } };
}

export async function startYamlLanguageServer(): Promise<LspClient> {
  const require = createRequire(import.meta.url);
  const bin = require.resolve('yaml-language-server/bin/yaml-language-server');
  const child: ChildProcess = spawn(process.execPath, [bin, '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  let buffer = Buffer.alloc(0);
  let nextId = 1;
  const pending = new Map<number, (result: unknown) => void>();
  const diagnosticWaiters = new Map<string, (d: LspDiagnostic[]) => void>();
  const send = (message: Record<string, unknown>) => {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', ...message }));
    child.stdin!.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]));
  };
  const request = (method: string, params: unknown) =>
    new Promise<unknown>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      send({ id, method, params });
    });
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const headerEnd = buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, headerEnd).toString())?.[1]);
      if (buffer.length < headerEnd + 4 + length) return;
      const message = JSON.parse(buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString()) as {
        id?: number;
        method?: string;
        params?: { uri: string; diagnostics: LspDiagnostic[] };
        result?: unknown;
      };
      buffer = buffer.subarray(headerEnd + 4 + length);
      if (message.method === 'textDocument/publishDiagnostics' && message.params) {
        diagnosticWaiters.get(message.params.uri)?.(message.params.diagnostics);
      } else if (message.method && message.id !== undefined) {
        // The server asks for settings (workspace/configuration) and registrations: answer them.
        const result = message.method === 'workspace/configuration' ? [{ validate: true, completion: true, hover: true, schemaStore: { enable: false } }] : null;
        send({ id: message.id, result });
      } else if (message.id !== undefined) {
        pending.get(message.id)?.(message.result);
        pending.delete(message.id);
      }
    }
  });
  await request('initialize', { processId: process.pid, rootUri: null, capabilities: { workspace: { configuration: true }, textDocument: { completion: { completionItem: { snippetSupport: false } } } } });
  send({ method: 'initialized', params: {} });
  send({ method: 'workspace/didChangeConfiguration', params: { settings: { yaml: { validate: true, completion: true, schemaStore: { enable: false } } } } });
  return {
    open(uri, text) {
      return new Promise((resolve) => {
        diagnosticWaiters.set(uri, (d) => {
          diagnosticWaiters.delete(uri);
          resolve(d);
        });
        send({ method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'yaml', version: 1, text } } });
      });
    },
    async complete(uri, line, character) {
      const result = (await request('textDocument/completion', { textDocument: { uri }, position: { line, character } })) as { items?: { label: string }[] } | { label: string }[] | null;
      const items = Array.isArray(result) ? result : (result?.items ?? []);
      return items.map((i) => i.label);
    },
    async close() {
      await request('shutdown', null);
      send({ method: 'exit' });
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}
