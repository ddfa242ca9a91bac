/** Where reading goes on after an offset out of range: the round trip's and the pipeline's readers both ask this. */
import { describe, expect, it } from 'vitest';
import { positionInLog } from '../../lambda/core/log-bounds';

describe('a position the log no longer holds', () => {
  it('goes on from the log start when records below it were deleted, from the log end when the log was cut back', () => {
    expect(positionInLog('5', { low: '12', high: '40' })).toBe('12');
    expect(positionInLog('55', { low: '12', high: '40' })).toBe('40');
  });

  it('stays where it is when the log holds it after all, and compares offsets as numbers past 2^53', () => {
    expect(positionInLog('12', { low: '12', high: '40' })).toBeUndefined();
    expect(positionInLog('40', { low: '12', high: '40' })).toBeUndefined();
    expect(positionInLog('9007199254740993', { low: '9007199254740994', high: '9007199254741000' })).toBe('9007199254740994');
  });
});
