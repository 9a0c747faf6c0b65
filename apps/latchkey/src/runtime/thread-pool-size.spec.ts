import { describe, expect, it } from 'vitest';
import { threadPoolSize } from './thread-pool-size.js';

describe('threadPoolSize', () => {
  it('follows the cores between 2 and 4 when UV_THREADPOOL_SIZE is not set', () => {
    expect(threadPoolSize(1, undefined)).toBe('2');
    expect(threadPoolSize(2, undefined)).toBe('2');
    expect(threadPoolSize(3, undefined)).toBe('3');
    expect(threadPoolSize(16, undefined)).toBe('4');
    expect(threadPoolSize(2, '')).toBe('2');
  });

  it('keeps an explicit UV_THREADPOOL_SIZE', () => {
    expect(threadPoolSize(2, '8')).toBe('8');
    expect(threadPoolSize(64, '1')).toBe('1');
  });
});
