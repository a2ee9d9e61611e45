import fc from 'fast-check';
import { expect, it } from 'vitest';
import { dataDevices, deviceSlot, freeDevice } from '../src/ec2-restore-into.js';

// The device a restored volume is attached at: a data device whose slot nothing on the instance takes.
const names = fc.tuple(fc.constantFrom('/dev/sd', '/dev/xvd', 'xvd', 'sd'), fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), fc.constantFrom('', '1')).map(([p, l, n]) => `${p}${l}${n}`);

it('the first data device whose slot no used name takes (/dev/sdf and xvdf are one slot); none when all are taken (property)', () => {
  fc.assert(fc.property(fc.array(names, { maxLength: 20 }), (used) => {
    const device = freeDevice(used);
    const taken = (d: string) => used.some((u) => deviceSlot(u) === deviceSlot(d));
    if (device === undefined) {
      expect(dataDevices.every(taken)).toBe(true);
    } else {
      expect(dataDevices).toContain(device);
      expect(taken(device)).toBe(false);
      expect(dataDevices.slice(0, dataDevices.indexOf(device)).every(taken)).toBe(true);
    }
  }));
  expect(freeDevice(['/dev/sda1', '/dev/xvdf', 'sdg'])).toBe('/dev/sdh');
  expect(freeDevice(dataDevices.map((d) => d.replace('/dev/sd', 'xvd')))).toBeUndefined();
});
