import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../src/config/load-config.js';
import { DEFAULTS, ENV_VARS, type ServerConfig } from '../src/config/server-config.js';
import { loadRules } from '../src/rules/load-rules.js';
import { root } from './helpers/built-cli.js';
import { testServer } from './helpers/webhook-app.js';

type Doc = Record<string, any>;
const dir = join(root, 'deploy/kubernetes');
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
const docs: { file: string; doc: Doc }[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    return { file, doc: d.toJS() as Doc };
  }),
);
const ofKind = (kind: string) => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc);
const deployment = ofKind('Deployment')[0]!;
const pod = deployment?.spec.template.spec;
const container = pod?.containers[0];
const env = Object.fromEntries((container?.env ?? []).map((e: Doc) => [e.name, e]));
const envValue = (name: string) => env[name]?.value as string | undefined;
/** The settings that are secrets: the webhook's header, the three tokens, the database's password. */
const SECRETS = ['webhookAuth', 'adminToken', 'apiToken', 'consoleToken', 'databaseUrl'] as const satisfies readonly (keyof ServerConfig)[];

describe('deploy/kubernetes manifests', () => {
  it('parse, and each document is a Kubernetes object; kustomization.yaml lists every other file', () => {
    expect(docs.length).toBeGreaterThan(0);
    for (const { file, doc } of docs) expect(doc, file).toMatchObject({ apiVersion: expect.any(String), kind: expect.any(String) });
    expect(ofKind('Deployment')).toHaveLength(1);
    const kustomization = ofKind('Kustomization')[0]!;
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml').sort());
  });

  it('sets only environment variables the server reads', () => {
    const known = new Set(Object.values(ENV_VARS).map((v) => v.env));
    for (const name of Object.keys(env)) expect(known, `${name} is not read by the server (src/config/server-config.ts)`).toContain(name);
  });

  it('exposes the port the server listens on, and the probes and the Service use it', () => {
    const port = Number(envValue(ENV_VARS.port.env) ?? DEFAULTS.port);
    const named = container.ports.find((p: Doc) => p.containerPort === port);
    expect(named, `no containerPort ${port}`).toBeDefined();
    const targets = (p: number | string) => p === port || p === named.name;
    expect(targets(container.readinessProbe.httpGet.port)).toBe(true);
    expect(targets(container.livenessProbe.httpGet.port)).toBe(true);
    for (const service of ofKind('Service')) for (const p of service.spec.ports) expect(targets(p.targetPort)).toBe(true);
  });

  it('probes readiness on /readyz and liveness on /healthz, routes the real app answers', async () => {
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    const { app } = await testServer();
    for (const path of [container.readinessProbe.httpGet.path, container.livenessProbe.httpGet.path]) {
      expect([200, 503]).toContain((await app.request(path)).status);
    }
  });

  it('gives the pod longer to stop than the preStop pause plus the drain', () => {
    const preStop = container.lifecycle.preStop.exec.command as string[];
    expect(preStop[0]).toBe('sleep');
    const drainMs = Number(envValue(ENV_VARS.shutdownTimeoutMs.env) ?? DEFAULTS.shutdownTimeoutMs);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(preStop[1]) * 1000 + drainMs);
  });

  it('takes every secret the server reads from the Secret in these manifests, never as a plain value', () => {
    const secret = ofKind('Secret')[0]!;
    for (const key of SECRETS) {
      const name = ENV_VARS[key].env;
      const ref = env[name]?.valueFrom?.secretKeyRef;
      expect(ref, `${name} is not from a Secret`).toBeDefined();
      expect(env[name].value, `${name} is written in the Deployment in plain text`).toBeUndefined();
      expect(ref.name).toBe(secret.metadata.name);
      expect(Object.keys(secret.stringData ?? secret.data)).toContain(ref.key);
    }
  });

  it("the pod's environment, secrets filled in from the Secret, is a config the server accepts with every token and the database set", async () => {
    const secret = ofKind('Secret')[0]!;
    const values: Record<string, string> = secret.stringData ?? {};
    const podEnv = Object.fromEntries(Object.entries(env).map(([name, e]) => [name, (e.value as string | undefined) ?? values[e.valueFrom?.secretKeyRef?.key as string] ?? '']));
    const { config, diagnostics } = await loadConfig({ env: podEnv });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    for (const key of SECRETS) expect(config?.[key], `${ENV_VARS[key].env} is not set in the pod`).toEqual(expect.any(String));
  });

  it("leaves room under the memory limit for the server and a reload's loader at its memory budget", () => {
    const mib = (quantity: string) => {
      const m = /^(\d+)(Mi|Gi)$/.exec(quantity);
      expect(m, `memory ${quantity}: write it in Mi or Gi`).not.toBeNull();
      return Number(m![1]) * (m![2] === 'Gi' ? 1024 : 1);
    };
    const budgetMb = Number(envValue(ENV_VARS.reloadMemoryMb.env) ?? DEFAULTS.reloadMemoryMb);
    // Plus 256 MiB for the serving process itself, which holds the published rule set too.
    expect(mib(container.resources.limits.memory)).toBeGreaterThanOrEqual(budgetMb + 256);
  });

  it('gives a read-only root file system a writable /tmp, where the rules loader hands big rule sets over', () => {
    expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
    const mount = container.volumeMounts.find((m: Doc) => m.mountPath === '/tmp');
    expect(mount, 'no volume is mounted at /tmp').toBeDefined();
    expect(mount.readOnly).not.toBe(true);
    expect(pod.volumes.find((v: Doc) => v.name === mount.name)?.emptyDir).toBeDefined();
  });

  it('sets resource requests and limits, and a PodDisruptionBudget and a Service that select the pods', () => {
    expect(container.resources.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    expect(container.resources.limits).toMatchObject({ memory: expect.anything() });
    const labels = deployment.spec.template.metadata.labels;
    const pdb = ofKind('PodDisruptionBudget')[0]!;
    expect(labels).toMatchObject(pdb.spec.selector.matchLabels);
    expect(labels).toMatchObject(ofKind('Service')[0]!.spec.selector);
  });

  it('mounts the rules ConfigMap as a folder (no subPath) at RULES_DIR, and a writable folder for CALL_LOG', () => {
    const volume = pod.volumes.find((v: Doc) => v.configMap);
    expect(volume.configMap.name).toBe(ofKind('ConfigMap')[0]!.metadata.name);
    const mount = container.volumeMounts.find((m: Doc) => m.name === volume.name);
    expect(mount.subPath).toBeUndefined();
    expect(mount.mountPath).toBe(envValue(ENV_VARS.rulesDir.env));
    const logDir = dirname(envValue(ENV_VARS.callLog.env)!);
    const dataMount = container.volumeMounts.find((m: Doc) => m.mountPath === logDir);
    expect(dataMount, `nothing writable is mounted at ${logDir}`).toBeDefined();
    expect(dataMount.readOnly).not.toBe(true);
  });

  it("the ConfigMap holds this repo's sample rules, and they load from the mounted folder as they do from rules/", async () => {
    const data = ofKind('ConfigMap')[0]!.data as Record<string, string>;
    const sample = await loadRules(join(root, 'rules'));
    const served = [...sample.ruleSet!.files, ...readdirSync(join(root, 'rules'), { recursive: true, encoding: 'utf8' }).filter((f) => /\.csv$|^(settings|pools)\.ya?ml$/.test(f))];
    const fromRules = Object.fromEntries([...new Set(served)].map((f) => [basename(f), readFileSync(join(root, 'rules', f), 'utf8')]));
    expect(data).toEqual(fromRules);
    expect(Buffer.byteLength(JSON.stringify(data))).toBeLessThan(1024 * 1024);

    const mounted = mkdtempSync(join(tmpdir(), 'configmap-'));
    onTestFinished(() => rmSync(mounted, { recursive: true, force: true }));
    for (const [key, text] of Object.entries(data)) writeFileSync(join(mounted, key), text);
    const loaded = await loadRules(mounted);
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(loaded.ruleSet!.rules.map((r) => r.id)).toEqual(sample.ruleSet!.rules.map((r) => r.id));
  });
});
