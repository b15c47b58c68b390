import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedFetch, isPublicAddress } from '@pathlens/core';
import { pathLensFailure } from '../helpers/expect-failure.ts';

const limits = { maxBytes: 1024, timeoutMs: 5_000 };

describe('the guarded outbound fetcher', () => {
  let server: Server;
  let openPort: number;
  let closedPort: number;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests.push(request.url ?? '');
      if (request.url === '/image.png')
        response.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(100, 7));
      else if (request.url === '/big.png') response.writeHead(200).end(Buffer.alloc(4096));
      else if (request.url === '/to-other-host')
        response.writeHead(302, { location: `http://127.0.0.2:${openPort}/image.png` }).end();
      else if (request.url === '/to-unlisted-host')
        response.writeHead(302, { location: `http://localhost:${openPort}/image.png` }).end();
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    openPort = (server.address() as AddressInfo).port;
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
  });
  afterAll(async () => new Promise((resolve) => server?.close(resolve)));

  it('fetches nothing by default, and says which setting allows it', async () => {
    const error = await pathLensFailure(
      createGuardedFetch({ allowedHosts: [], ...limits })(`http://127.0.0.1:${openPort}/image.png`),
    );
    expect(error.code).toBe('fetch_not_allowed');
    expect(error.message).toMatch(/FETCH_ALLOWED_HOSTS/);
    expect(requests).toEqual([]);
  });

  it('refuses loopback even for an allowed host, after DNS, with the same neutral message for an open and a closed port', async () => {
    const guarded = createGuardedFetch({ allowedHosts: ['127.0.0.1', 'localhost'], ...limits });
    const open = await pathLensFailure(guarded(`http://127.0.0.1:${openPort}/image.png`));
    const closed = await pathLensFailure(guarded(`http://127.0.0.1:${closedPort}/image.png`));
    // By name: `localhost` resolves to loopback, refused on the resolved address.
    const byName = await pathLensFailure(guarded(`http://localhost:${openPort}/image.png`));
    for (const error of [open, closed, byName]) expect(error.code).toBe('fetch_failed');
    expect(open.message.replace(String(openPort), 'PORT')).toBe(closed.message.replace(String(closedPort), 'PORT'));
    expect(open.message).toBe(`Could not fetch http://127.0.0.1:${openPort}/image.png.`);
    expect(open.message).not.toMatch(/ECONN|refused|reset|timeout/i);
    expect(requests).toEqual([]);
  });

  it('classifies addresses: public unicast only; private, link-local, metadata, mapped and NAT64 forms refused', () => {
    for (const address of ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'])
      expect(isPublicAddress(address)).toBe(true);
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fd00:ec2::254',
      '::ffff:127.0.0.1',
      '::ffff:8.8.8.8',
      '::7f00:1',
      '64:ff9b::7f00:1',
      'not-an-ip',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
  });

  describe('with a policy that lets this test reach 127.0.0.1 (and nothing else on loopback)', () => {
    const allowOnly127001 = (address: string) => address === '127.0.0.1';
    const guarded = createGuardedFetch({
      allowedHosts: ['127.0.0.1', '127.0.0.2'],
      isAddressAllowed: allowOnly127001,
      ...limits,
    });

    it('fetches an allowed image, within the size limit', async () => {
      const fetched = await guarded(`http://127.0.0.1:${openPort}/image.png`);
      expect(fetched.bytes.byteLength).toBe(100);
      expect(fetched.contentType).toBe('image/png');
      const tooLarge = await pathLensFailure(guarded(`http://127.0.0.1:${openPort}/big.png`));
      expect(tooLarge.code).toBe('payload_too_large');
      expect(tooLarge.message).toMatch(/FETCH_MAX_MEGABYTES/);
    });

    it('checks every redirect hop: a redirect to a refused address or an unlisted host is refused', async () => {
      requests.length = 0;
      const toAddress = await pathLensFailure(guarded(`http://127.0.0.1:${openPort}/to-other-host`));
      expect(toAddress.code).toBe('fetch_failed');
      const toHost = await pathLensFailure(guarded(`http://127.0.0.1:${openPort}/to-unlisted-host`));
      expect(toHost.code).toBe('fetch_not_allowed');
      expect(requests).toEqual(['/to-other-host', '/to-unlisted-host']);
    });
  });
});
