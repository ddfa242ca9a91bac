import { describe, expect, it } from 'vitest';
import { parseScramSecret } from '../../lambda/adapters/secrets';

const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_probe-AbCdEf';

describe('SCRAM secret', () => {
  it('reads username and password from the JSON secret', () => {
    expect(parseScramSecret('{"username":"probe","password":"s3cret-value"}', arn)).toEqual({ username: 'probe', password: 's3cret-value' });
  });

  it('names the secret but never quotes its value when it is malformed', () => {
    for (const bad of ['just-the-password-123', '{"username":"probe"}', '{"username":"","password":"x"}', undefined]) {
      let message = '';
      try {
        parseScramSecret(bad, arn);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain(arn);
      if (bad) expect(message).not.toContain('just-the-password-123');
    }
  });
});
