import { describe, expect, it } from 'vitest';
import { resumeOffset } from '../../lambda/core/roundtrip/resume-offset';

const pending = (partition: number, offset?: string) => ({ eventId: `r/${partition}/${offset}`, partition, offset, sentAt: 0 });

describe('resume offset', () => {
  it('starts at the end when nothing of the partition is overdue', () => {
    expect(resumeOffset(0, [], '0', '42')).toBe('42');
    expect(resumeOffset(0, [pending(1, '3'), pending(0)], '0', '42')).toBe('42');
  });

  it('starts at the oldest overdue event of the partition, compared as numbers', () => {
    expect(resumeOffset(0, [pending(0, '10'), pending(0, '9'), pending(1, '1')], '0', '42')).toBe('9');
  });

  it('never below the log start nor past the end', () => {
    expect(resumeOffset(0, [pending(0, '3')], '7', '42')).toBe('7');
    expect(resumeOffset(0, [pending(0, '50')], '0', '42')).toBe('42');
  });
});
