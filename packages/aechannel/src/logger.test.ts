import { describe, expect, it } from 'vitest';
import { createConsoleLogger, safeLog, silentLogger } from './logger.js';

describe('logger', () => {
  it('prints at and above the level, with fields (bigints included)', () => {
    const lines: string[] = [];
    const sink = { debug: (l: string) => lines.push(l), info: (l: string) => lines.push(l), warn: (l: string) => lines.push(l), error: (l: string) => lines.push(l) };
    const logger = createConsoleLogger({ level: 'warn', name: 'test', console: sink });
    logger.info('hidden');
    logger.warn('shown', { round: 5n });
    expect(lines).toEqual(['[test] warn: shown {"round":"5"}']);
  });

  it('never lets a broken logger throw', () => {
    const broken = { ...silentLogger, error: () => { throw new Error('no'); } };
    expect(() => safeLog(broken, 'error', 'x')).not.toThrow();
  });
});
