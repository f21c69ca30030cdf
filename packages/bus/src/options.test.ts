import { describe, expect, test } from 'vitest';
import { BUS_ERR } from './errors.ts';
import { DEFAULT_INBOX_PREFIX, parseNatsOptions } from './options.ts';

describe('parseNatsOptions - inboxPrefix', () => {
  test('defaults to the client default _INBOX', () => {
    expect(parseNatsOptions().inboxPrefix).toBe(DEFAULT_INBOX_PREFIX);
    expect(DEFAULT_INBOX_PREFIX).toBe('_INBOX');
  });

  test('accepts one or more subject tokens such as _INBOX_worker or _INBOX.svc', () => {
    expect(parseNatsOptions({ inboxPrefix: '_INBOX_worker' }).inboxPrefix).toBe('_INBOX_worker');
    expect(parseNatsOptions({ inboxPrefix: '_INBOX.svc-1' }).inboxPrefix).toBe('_INBOX.svc-1');
  });

  test('refuses wildcards, empty tokens and whitespace with BUS_ERR_CONFIG', () => {
    for (const bad of ['', '_INBOX.*', '_INBOX.>', '_INBOX.', '.x', 'a b', 'a..b']) {
      expect(() => parseNatsOptions({ inboxPrefix: bad }), bad).toThrow(expect.objectContaining({ code: BUS_ERR.CONFIG }));
    }
  });
});

describe('parseNatsOptions - asyncTraces', () => {
  test('is off by default and takes a boolean', () => {
    expect(parseNatsOptions().asyncTraces).toBe(false);
    expect(parseNatsOptions({ asyncTraces: true }).asyncTraces).toBe(true);
  });

  test('refuses anything else with BUS_ERR_CONFIG', () => {
    expect(() => parseNatsOptions({ asyncTraces: 'yes' as unknown as boolean })).toThrow(expect.objectContaining({ code: BUS_ERR.CONFIG }));
  });
});
