import { describe, expect, it } from 'vitest';
import { buildOk, call } from './helpers/rules.js';

const ruleIdOf = (d: ReturnType<typeof call>) => (d.outcome === 'matched' ? d.ruleId : undefined);

describe('which rule wins', () => {
  it('tries files in file-name order, so 10-vip.yaml comes before 90-fallback.yaml', () => {
    const ruleSet = buildOk({
      '90-fallback.yaml': 'rules:\n  - id: everyone\n    then: [hangup]\n',
      '10-vip.yaml': 'rules:\n  - id: vip\n    when: { source: "+6591234567" }\n    then: [hangup]\n',
    });
    expect(ruleIdOf(call(ruleSet, { source: '+6591234567' }))).toBe('vip');
    expect(ruleIdOf(call(ruleSet, { source: '+6598765432' }))).toBe('everyone');
  });

  it('tries rules top to bottom within a file', () => {
    const ruleSet = buildOk({
      'a.yaml': `rules:
  - id: first
    when: { destinationRefId: vn-ref-1 }
    then: [hangup]
  - id: second
    when: { destinationRefId: vn-ref-1 }
    then: [hangup]
`,
    });
    expect(ruleIdOf(call(ruleSet, { destinationRefId: 'vn-ref-1' }))).toBe('first');
  });

  it('lets an earlier catch-all win over a later exact rule (the index keeps file order)', () => {
    const ruleSet = buildOk({
      'a.yaml': 'rules:\n  - id: catch-all\n    then: [hangup]\n',
      'b.yaml': 'rules:\n  - id: exact\n    when: { destinationRefId: vn-ref-1 }\n    then: [hangup]\n',
    });
    expect(ruleIdOf(call(ruleSet, { destinationRefId: 'vn-ref-1' }))).toBe('catch-all');
  });

  it('lets an earlier prefix rule win over a later exact rule on another field', () => {
    const ruleSet = buildOk({
      'a.yaml': `rules:
  - id: by-prefix
    when: { source: { prefix: "+65" } }
    then: [hangup]
  - id: by-destination
    when: { destination: "+6568332048" }
    then: [hangup]
  - id: by-ref
    when: { destinationRefId: vn-ref-1 }
    then: [hangup]
`,
    });
    expect(ruleIdOf(call(ruleSet, { source: '+6591234567', destination: '+6568332048', destinationRefId: 'vn-ref-1' }))).toBe('by-prefix');
    expect(ruleIdOf(call(ruleSet, { source: '+6091234567', destination: '+6568332048', destinationRefId: 'vn-ref-1' }))).toBe('by-destination');
    expect(ruleIdOf(call(ruleSet, { source: '+6091234567', destination: '+6568332049', destinationRefId: 'vn-ref-1' }))).toBe('by-ref');
  });

  it('looks up thousands of exact rules and still returns the one that matches', () => {
    const rules = Array.from({ length: 5000 }, (_, i) => `  - id: r${i}\n    when: { destinationRefId: vn-${i} }\n    then: [hangup]\n`).join('');
    const ruleSet = buildOk({ 'many.yaml': `rules:\n${rules}` });
    expect(ruleIdOf(call(ruleSet, { destinationRefId: 'vn-4321' }))).toBe('r4321');
    expect(ruleIdOf(call(ruleSet, { destinationRefId: 'vn-5000' }))).toBeUndefined();
  });
});
