// The functions' log lines as Logs Insights reads them: one JSON object per line, the keys the
// README's queries use, the invocation's keys and trace id, errors spelled out, levels honoured.
import { describe, expect, it } from 'vitest';
import { createJsonLog, logLevelOf } from '../../../../lambdas/adapters/observability/json-log';

const NOW = new Date('2026-12-02T10:00:00.000Z');

const logTo = (lines: string[], level: Parameters<typeof createJsonLog>[0]['level'] = 'INFO', trace?: string) =>
  createJsonLog({ service: 'session-expiry', level, write: (line) => lines.push(line), now: () => NOW, traceHeader: () => trace });

const parsed = (lines: string[]): Record<string, unknown>[] => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('json log', () => {
  it('writes one whole JSON line per call, with level, message, timestamp, service and the extra keys', () => {
    const lines: string[] = [];
    logTo(lines).info('session expired', { sessionId: 's-1', lagMs: 12 });

    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith('\n')).toBe(true);
    expect(lines[0].slice(0, -1)).not.toContain('\n');
    expect(parsed(lines)[0]).toEqual({ level: 'INFO', message: 'session expired', timestamp: '2026-12-02T10:00:00.000Z', service: 'session-expiry', sessionId: 's-1', lagMs: 12 });
  });

  it('adds the invocation keys while one runs and the X-Ray trace id of the runtime header', () => {
    const lines: string[] = [];
    const log = logTo(lines, 'INFO', 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1');
    log.setInvocation({ function_request_id: 'req-1', cold_start: true });
    log.info('during');
    log.setInvocation(undefined);
    log.info('after');

    const [during, after] = parsed(lines);
    expect(during).toMatchObject({ function_request_id: 'req-1', cold_start: true, xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793' });
    expect(after).not.toHaveProperty('function_request_id');
  });

  it('never lets an extra key replace level, message, timestamp or service', () => {
    const lines: string[] = [];
    logTo(lines).warn('real', { level: 'DEBUG', message: 'fake', service: 'other', timestamp: 'then', kept: 1 });

    expect(parsed(lines)[0]).toEqual({ level: 'WARN', message: 'real', timestamp: '2026-12-02T10:00:00.000Z', service: 'session-expiry', kept: 1 });
  });

  it('spells out an Error (name, message, stack, its own fields, its cause) where JSON would write {}', () => {
    const lines: string[] = [];
    const cause = new Error('socket hang up');
    const error = Object.assign(new Error('throttled', { cause }), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    logTo(lines).error('unexpected error', { error });

    const logged = parsed(lines)[0]['error'] as Record<string, unknown>;
    expect(logged).toMatchObject({ name: 'ThrottlingException', message: 'throttled', $metadata: { httpStatusCode: 400 }, cause: { name: 'Error', message: 'socket hang up' } });
    expect(logged['stack']).toEqual(expect.stringContaining('throttled'));
  });

  it('writes a line for values JSON cannot hold: a cycle is cut, a bigint becomes text', () => {
    const lines: string[] = [];
    const loop: Record<string, unknown> = { name: 'loop' };
    loop['self'] = loop;
    logTo(lines).info('odd values', { loop, big: 10n });

    expect(parsed(lines)[0]).toMatchObject({ loop: { name: 'loop', self: '[circular]' }, big: '10' });
  });

  it('writes only lines at or above its level', () => {
    const lines: string[] = [];
    const log = logTo(lines, 'WARN');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');

    expect(parsed(lines).map((l) => l['level'])).toEqual(['WARN', 'ERROR']);
  });

  it('takes the stricter of its own level and the one Lambda sets, INFO when neither is known', () => {
    expect(logLevelOf(undefined, undefined)).toBe('INFO');
    expect(logLevelOf('debug', undefined)).toBe('DEBUG');
    expect(logLevelOf('warning', undefined)).toBe('WARN');
    expect(logLevelOf('DEBUG', 'ERROR')).toBe('ERROR');
    expect(logLevelOf('ERROR', 'INFO')).toBe('ERROR');
    expect(logLevelOf('loud', 'nonsense')).toBe('INFO');
  });
});
