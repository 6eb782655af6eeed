import { describe, expect, it } from 'vitest';
import { simulateCommand } from '../src/cli/simulate-command.js';
import { UsageError } from '../src/cli/usage-error.js';
import { capture } from './helpers/capture.js';

const DESK = 'test/fixtures/support-desk/rules';

async function simulate(...args: string[]) {
  args.push('--rules', DESK);
  const out = capture();
  const err = capture();
  const code = await simulateCommand(args, out, err);
  return { code, out: out.text, err: err.text };
}

describe('simulate --explain', () => {
  it('lists why each rule before the winner did not take the call, naming the condition and both values', async () => {
    const { code, out, err } = await simulate('source=+60123456789', 'destinationRefId=vn-ref-1', 'sourceCountryCode=MY', '--explain');
    expect(code).toBe(0);
    expect(err.split('\n')).toEqual([
      `skipped vip-callers: source is "+60123456789", wanted one of "+6591234567", "+6598765432"  (${DESK}/10-vip.yaml:4)`,
      `skipped menu-sales: destinationRefId is "vn-ref-1", wanted "vn-ref-2"  (${DESK}/50-support.yaml:7)`,
      `skipped sg-mobile-support: sourceCountryCode is "MY", wanted "SG"  (${DESK}/50-support.yaml:17)`,
      `skipped sg-support: sourceCountryCode is "MY", wanted "sg"  (${DESK}/50-support.yaml:27)`,
      `matched rule everyone-else (${DESK}/90-fallback.yaml:4:5)`,
      '',
    ]);
    expect(JSON.parse(out).clientActionId).toBe('everyone-else');
  });

  it('prints no explanation without the flag', async () => {
    const { err } = await simulate('source=+60123456789', 'destinationRefId=vn-ref-1');
    expect(err).toBe(`matched rule everyone-else (${DESK}/90-fallback.yaml:4:5)\n`);
  });
});

describe('simulate --at', () => {
  it('pins the clock: the event carries no time of its own, the decision is the same', async () => {
    const { code, out } = await simulate('source=+6598765432', 'destinationRefId=vn-ref-1', '--at', '2026-03-02T09:30:00+08:00');
    expect(code).toBe(0);
    expect(JSON.parse(out).clientActionId).toBe('vip-callers');
  });

  it('rejects a time it cannot read as a usage error', async () => {
    await expect(simulate('source=+6598765432', '--at', '9am')).rejects.toThrow(UsageError);
  });
});

describe('simulate --press', () => {
  it('prints each step of a conversation through the sample menus', async () => {
    const out = capture();
    const err = capture();
    const code = await simulateCommand(['destinationRefId=vn-ref-5', '--rules', 'rules', '--press', '1', '--press', '2#'], out, err);
    expect(code).toBe(0);
    const steps = out.text.split(/^--- /m).filter(Boolean);
    expect(steps.map((s) => s.split('\n')[0])).toEqual(['step 1: the call arrives', 'step 2: the caller presses 1', 'step 3: the caller presses 2#']);
    const answers = steps.map((s) => JSON.parse(s.slice(s.indexOf('\n') + 1)) as { clientActionId: string; callflow: { action: string }[] });
    expect(answers.map((a) => a.clientActionId)).toEqual(['m-main-00', 'm-orders-00', 'orders-press-2']);
    expect(answers[2]!.callflow.map((a) => a.action)).toEqual(['say', 'makeCall']);
    expect(err.text.split('\n').filter(Boolean)).toEqual([
      'matched rule shop-line (rules/40-shop-menu.yaml:8:5)',
      'matched rule main-press-1 (rules/40-shop-menu.yaml:20:7)',
      'matched rule orders-press-2 (rules/40-shop-menu.yaml:37:7)',
    ]);
  });

  it('stops with exit 1 when the call no longer waits for keys', async () => {
    const out = capture();
    const err = capture();
    const code = await simulateCommand(['destinationRefId=vn-ref-5', '--rules', 'rules', '--press', '2', '--press', '1'], out, err);
    expect(code).toBe(1);
    expect(err.text).toContain('cannot press "1" after step 2: the call does not wait for keys at this point');
  });
});

describe('simulate --explain with menus', () => {
  it("leaves out the rules of menus the call is not in, and explains a menu's own rules when it is", async () => {
    const run = async (...args: string[]) => {
      const out = capture();
      const err = capture();
      expect(await simulateCommand([...args, '--rules', 'rules', '--explain'], out, err)).toBe(0);
      return err.text.split('\n').filter(Boolean);
    };
    const newCall = await run('destinationRefId=vn-ref-5');
    expect(newCall.filter((l) => /main-|orders-|stale-menu/.test(l))).toEqual([]);
    expect(newCall.at(-1)).toBe('matched rule shop-line (rules/40-shop-menu.yaml:8:5)');
    const step = await run('destinationRefId=vn-ref-5', 'callStatus=ACTION_COMPLETED', 'clientActionId=m-main-00', 'dtmf=2');
    expect(step).toEqual(['skipped main-press-1: dtmf is "2", wanted "1"  (rules/40-shop-menu.yaml:20)', 'matched rule main-press-2 (rules/40-shop-menu.yaml:21:7)']);
  });
});
