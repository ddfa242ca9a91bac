import { describe, expect, it } from 'vitest';
import { BrokerOrder } from '../../lambda/core/broker-order';

describe('broker order', () => {
  const brokers = ['a:9092', 'b:9092', 'c:9092'];

  it('starts at a random broker and keeps every broker once, in the configured cycle', () => {
    expect(new BrokerOrder(brokers, () => 0).list).toEqual(brokers);
    expect(new BrokerOrder(brokers, () => 0.5).list).toEqual(['b:9092', 'c:9092', 'a:9092']);
    expect(new BrokerOrder(brokers, () => 0.99).list).toEqual(['c:9092', 'a:9092', 'b:9092']);
  });

  it('after a failed connect, starts one broker further along, wrapping around', () => {
    const order = new BrokerOrder(brokers, () => 0.99);
    order.passFirst();
    expect(order.list[0]).toBe('a:9092');
    order.passFirst();
    order.passFirst();
    expect(order.list[0]).toBe('c:9092');
  });

  it('a single broker stays put', () => {
    const order = new BrokerOrder(['only:9092'], () => 0.7);
    order.passFirst();
    expect(order.list).toEqual(['only:9092']);
  });
});
