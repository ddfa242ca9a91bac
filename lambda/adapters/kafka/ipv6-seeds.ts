/**
 * IPv6 bootstrap brokers ("[fd00::1]:9092") for kafkajs, which splits a seed at its first colon. Each such
 * seed is handed to kafkajs under a stand-in host name that carries the address (colons as dashes, which
 * an IPv6 address never has), and the socket factory turns it back into the address. Brokers learnt from
 * metadata come with host and port apart and need nothing.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { ISocketFactory } from 'kafkajs';

const PREFIX = 'ipv6_';
const BRACKETED = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/;

export function hasIpv6Seed(brokers: readonly string[]): boolean {
  return brokers.some((b) => BRACKETED.test(b));
}

/** "[fd00::1]:9092" -> "ipv6_fd00--1:9092"; anything else unchanged. */
export function kafkajsSeed(broker: string): string {
  const m = BRACKETED.exec(broker);
  return m ? `${PREFIX}${m[1]!.replace(/:/g, '-')}:${m[2]}` : broker;
}

/** The address behind a stand-in host; any other host unchanged. */
export function realHost(host: string): string {
  return host.startsWith(PREFIX) ? host.slice(PREFIX.length).replace(/-/g, ':') : host;
}

const KEEP_ALIVE_MS = 60_000;

/** kafkajs's own socket factory, but connecting to the address behind a stand-in host. */
export const ipv6AwareSocketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
  const address = realHost(host);
  const socket = ssl
    ? tls.connect({ host: address, port, ...(!net.isIP(address) ? { servername: address } : {}), ...ssl }, onConnect)
    : net.connect({ host: address, port }, onConnect);
  socket.setKeepAlive(true, KEEP_ALIVE_MS);
  return socket;
};
