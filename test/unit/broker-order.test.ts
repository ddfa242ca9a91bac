import { describe, expect, it } from 'vitest';
import { BrokerOrder } from '../../lambda/core/roundtrip/broker-order';

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

describe('broker order and the cluster metadata', () => {
  const brokers = ['a:9092', 'b:9092', 'c:9092'];
  const live = (...hosts: string[]) => hosts.map((host) => ({ host, port: 9092 }));

  it('tries a broker the metadata no longer lists last, until it is listed again', () => {
    const order = new BrokerOrder(brokers, () => 0);
    order.observe(live('a', 'b', 'c'));
    expect(order.list).toEqual(brokers);
    order.observe(live('b', 'c')); // a was fenced
    expect(order.list).toEqual(['b:9092', 'c:9092', 'a:9092']);
    order.observe(live('A', 'b', 'c')); // back (host names compare without case)
    expect(order.list).toEqual(brokers);
  });

  it('leaves a bootstrap address the metadata never named (a load balancer, say) where it is', () => {
    const order = new BrokerOrder(['bootstrap.example:9092', 'b:9092'], () => 0);
    order.observe(live('x', 'b'));
    order.observe(live('b'));
    expect(order.list).toEqual(['bootstrap.example:9092', 'b:9092']);
  });

  it('matches IPv6 brokers in their bracketed form', () => {
    const order = new BrokerOrder(['[fd00::1]:9092', '[fd00::2]:9092'], () => 0);
    order.observe(live('fd00::1', 'fd00::2'));
    order.observe(live('fd00::2'));
    expect(order.list).toEqual(['[fd00::2]:9092', '[fd00::1]:9092']);
  });
});
